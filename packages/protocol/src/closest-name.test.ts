import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestName } from './closest-name.ts';

describe('closestName', () => {
  const services = ['checkout-api', 'support-agent', 'search'];

  it('finds a name that differs by case or a typo or two', () => {
    assert.equal(closestName('Checkout-API', services), 'checkout-api');
    assert.equal(closestName('checkout-ap', services), 'checkout-api');
    assert.equal(closestName('chekcout-api', services), 'checkout-api', 'a swap is one edit');
    assert.equal(closestName('sport-agnet', services), undefined, 'three edits');
    assert.equal(closestName('suport-agnet', services), 'support-agent');
  });

  it('prefers the nearest of several close names', () => {
    assert.equal(closestName('serviceNme', ['serviceVersion', 'serviceName']), 'serviceName');
    assert.equal(closestName('cart-v2', ['cart-v1', 'cart-v2x', 'cart-v2']), 'cart-v2');
  });

  it('suggests nothing for a name that is not close', () => {
    assert.equal(closestName('billing', services), undefined);
    assert.equal(closestName('checkout', services), undefined); // 4 edits away
    assert.equal(closestName('x', []), undefined);
  });

  it('does not let short names match everything', () => {
    // One edit on a 2-letter name is half of it: no suggestion.
    assert.equal(closestName('ab', ['ac']), undefined);
    assert.equal(closestName('abc', ['abd']), 'abd');
  });
});
