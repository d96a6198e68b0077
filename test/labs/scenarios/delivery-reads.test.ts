import { bodyOfRun, deadLetteredMessageId } from '../../../labs/scenarios/delivery-reads';

describe('deadLetteredMessageId', () => {
  const message = JSON.stringify({ runId: 'r', messageId: 'push-7', sentAt: 1 });
  it.each([
    ['a buffer message', message, 'push-7'],
    ['a push event (the SNS event Lambda gave up on)', JSON.stringify({ Records: [{ Sns: { Message: message } }] }), 'push-7'],
    ['a body of another shape', JSON.stringify({ hello: 1 }), undefined],
    ['a body that is not JSON', 'not json', undefined],
  ])('reads %s', (_name, body, id) => {
    expect(deadLetteredMessageId(body)).toBe(id);
  });
});

describe('bodyOfRun', () => {
  const message = JSON.stringify({ runId: 'r1', messageId: 'm', sentAt: 1 });
  it.each([
    ['a queue message of the run', message, true],
    ['an SNS event carrying a message of the run', JSON.stringify({ Records: [{ Sns: { Message: message } }] }), true],
    ['a message of another run', JSON.stringify({ runId: 'r2' }), false],
    ['a body that is not JSON', 'not json', false],
  ])('tells %s', (_name, body, ours) => {
    expect(bodyOfRun('r1')(body)).toBe(ours);
  });
});
