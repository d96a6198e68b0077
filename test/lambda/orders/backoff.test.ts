import { MAX_VISIBILITY_TIMEOUT_SECONDS, redeliveryDelaySeconds, retryDelayMs } from '../../../lambda/orders/backoff';

describe('retryDelayMs', () => {
  const policy = { baseMs: 100, capMs: 1000 };

  test.each([
    // retry, random, expected: full jitter over min(cap, base * 2^(retry-1))
    [1, 0.5, 50],
    [2, 0.5, 100],
    [3, 0.5, 200],
    [4, 0.999, 799],
    [5, 0.5, 500],
    [9, 0.5, 500],
    [3, 0, 0],
  ])('retry %i with random %p waits %i ms', (retry, random, expected) => {
    expect(retryDelayMs(retry, policy, () => random)).toBe(expected);
  });

  test('fails if the retry number is below 1', () => {
    expect(() => retryDelayMs(0, policy, () => 0.5)).toThrow(/retry must be an integer of at least 1, but 0 was provided/);
  });
});

describe('redeliveryDelaySeconds', () => {
  test.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [4, 80],
    [5, 120],
    [20, 120],
  ])('delivery %i returns its message for %i s', (receiveCount, expected) => {
    expect(redeliveryDelaySeconds(receiveCount, { baseSeconds: 10, maxSeconds: 120 })).toBe(expected);
  });

  test('never asks SQS for more than 12 hours', () => {
    expect(redeliveryDelaySeconds(30, { baseSeconds: 10, maxSeconds: 10 ** 9 })).toBe(MAX_VISIBILITY_TIMEOUT_SECONDS);
  });

  test('fails if the receive count is not a positive integer', () => {
    expect(() => redeliveryDelaySeconds(0, { baseSeconds: 1, maxSeconds: 2 })).toThrow(/receiveCount must be an integer of at least 1, but 0/);
  });
});
