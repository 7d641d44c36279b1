import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cannedReply, countTokens, splitDeltas, type ToolSpec, type Turn } from './canned.ts';

const user = (text: string): Turn => ({ role: 'user', text, toolResult: false });
const tools = [
  {
    name: 'search_web',
    parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } } },
  },
  {
    name: 'get_time',
    parameters: {
      type: 'object',
      properties: { tz: { type: 'string', enum: ['UTC', 'CET'] } },
      required: ['tz'],
    },
  },
];

describe('canned output', () => {
  it('counts tokens as whitespace-separated words', () => {
    assert.equal(countTokens(''), 0);
    assert.equal(countTokens('  one\ttwo\nthree  '), 3);
    assert.equal(countTokens('{"a":"b c"}'), 2);
  });

  it('splits text into deltas that join back exactly', () => {
    for (const text of ['You said: hi', ' lead', 'trail ', 'a  b\n\nc', '', 'x']) {
      assert.equal(splitDeltas(text).join(''), text);
    }
    assert.deepEqual(splitDeltas('You said: hi'), ['You', ' said:', ' hi']);
  });

  it('echoes the last user message and counts every input message', () => {
    const reply = cannedReply({
      turns: [
        { role: 'system', text: 'be nice', toolResult: false },
        user('first one'),
        user('second one here'),
      ],
      tools: [],
      toolChoice: 'auto',
    });
    assert.deepEqual(reply, {
      kind: 'text',
      text: 'You said: second one here',
      finish: 'stop',
      inputTokens: 7,
      outputTokens: 5,
    });
  });

  it('calls the tool the prompt names, else the first, with schema-shaped arguments', () => {
    const named = cannedReply({ turns: [user('use get_time now')], tools, toolChoice: 'auto' });
    assert.equal(named.kind === 'tool_call' && named.name, 'get_time');
    assert.equal(named.kind === 'tool_call' && named.arguments, '{"tz":"UTC"}');
    const first = cannedReply({ turns: [user('find cats')], tools, toolChoice: 'required' });
    assert.ok(first.kind === 'tool_call');
    assert.deepEqual(JSON.parse(first.arguments), { query: 'find cats', limit: 1 });
    assert.equal(first.outputTokens, countTokens('search_web') + countTokens(first.arguments));
  });

  it('calls the tool with the most words of its name in the prompt when none is named in full', () => {
    const pick = (text: string, offered: readonly ToolSpec[] = tools) => {
      const reply = cannedReply({ turns: [user(text)], tools: offered, toolChoice: 'auto' });
      return reply.kind === 'tool_call' ? reply.name : undefined;
    };
    assert.equal(pick('What time is it in Lisbon?'), 'get_time');
    assert.equal(pick('Search the web for cats'), 'search_web');
    assert.equal(pick('Web search, please'), 'search_web');
    const camel = [tools[0]!, { name: 'lookUpInvoice', parameters: {} }];
    assert.equal(pick('look up invoice 42', camel), 'lookUpInvoice');
    assert.equal(pick('hello there'), 'search_web', 'no word matches: the first offered');
    assert.equal(pick('How do I get started?'), 'search_web', '"get" is too common to pick get_time');
  });

  it('answers in text after a tool result, or when tools are disabled', () => {
    const after = cannedReply({
      turns: [user('find cats'), { role: 'tool', text: '3 cats', toolResult: true }],
      tools,
      toolChoice: 'auto',
    });
    assert.equal(after.kind === 'text' && after.text, 'Tool result: 3 cats');
    const none = cannedReply({ turns: [user('find cats')], tools, toolChoice: 'none' });
    assert.equal(none.kind, 'text');
    const forced = cannedReply({ turns: [user('x')], tools, toolChoice: { name: 'get_time' } });
    assert.equal(forced.kind === 'tool_call' && forced.name, 'get_time');
  });

  it('truncates to maxTokens', () => {
    const reply = cannedReply({ turns: [user('a b c d e')], tools: [], toolChoice: 'auto', maxTokens: 4 });
    assert.deepEqual(reply, {
      kind: 'text',
      text: 'You said: a b',
      finish: 'length',
      inputTokens: 5,
      outputTokens: 4,
    });
  });
});
