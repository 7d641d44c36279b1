import { collectorConfigJsonSchema, renderConfigReference } from '../../config/json-schema.ts';
import type { Command } from '../command.ts';
import { parseFlags } from '../flags.ts';
import { EXIT } from '../usage-error.ts';

export const configSchemaCommand: Command = {
  name: 'config-schema',
  summary: 'print the configuration file format as JSON Schema (or a Markdown key reference)',
  help: `Usage: breakwater config-schema [--markdown]

Prints the JSON Schema of the collector's YAML configuration, generated from the schema the
collector validates with. Point your editor at it, e.g. with a first line
  # yaml-language-server: $schema=./config.schema.json

Options:
      --markdown             print a Markdown table of every key, type and default instead
  -h, --help                 show this help
`,
  async run(args, io) {
    const { values } = parseFlags(args, {
      markdown: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout(this.help);
      return EXIT.OK;
    }
    io.stdout(
      values.markdown ? renderConfigReference() : `${JSON.stringify(collectorConfigJsonSchema(), null, 2)}\n`,
    );
    return EXIT.OK;
  },
};
