import { JobStartedSchema, jobRequestSchema, type JobRequest } from '../../../lambda/pipeline/messages';
import { InvalidMessageError, parseMessage } from '../../../lambda/shared/messages';

const JOB_ID = '3f0c2b1e-8d4a-4c2b-9e1f-0a1b2c3d4e5f';

describe('job request', () => {
  test('the request the lab sends passes the ventilator schema', () => {
    const request: JobRequest = { requestId: 'r-1', subtasks: 10, rangeEnd: 1_000_000 };
    expect(parseMessage(request, jobRequestSchema(1_000_000), 'request')).toEqual(request);
  });
});

describe('job started', () => {
  const answer = { jobId: JOB_ID, subtasks: 10, rangeEnd: 1000, publishCalls: 1 };

  test('the lab reads the ventilator answer as it was sent', () => {
    expect(parseMessage(JSON.parse(JSON.stringify(answer)), JobStartedSchema, 'ventilator response')).toEqual(answer);
  });

  test.each<[string, unknown, RegExp]>([
    ['no answer', undefined, /^ventilator response: /],
    ['a job id that is not a GUID', { ...answer, jobId: 'job-1' }, /^ventilator response\.jobId: /],
    ['no publish count', { jobId: JOB_ID, subtasks: 10, rangeEnd: 1000 }, /^ventilator response\.publishCalls: /],
  ])('the lab refuses %s, naming the field', (_name, payload, message) => {
    expect(() => parseMessage(payload, JobStartedSchema, 'ventilator response')).toThrow(InvalidMessageError);
    expect(() => parseMessage(payload, JobStartedSchema, 'ventilator response')).toThrow(message);
  });
});
