import { NO_VALUE, referencedLogicalIds, resolveIntrinsics, type IntrinsicContext } from '../../../../labs/targets/local/intrinsics';

const RESOURCES: Record<string, { ref: string; attributes: Record<string, unknown> }> = {
  Queue: { ref: 'https://queue/url', attributes: { Arn: 'arn:aws:sqs:us-east-1:000000000000:q', QueueName: 'q' } },
  Stream: { ref: 'my-stream', attributes: { Arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/my-stream' } },
};

const context: IntrinsicContext = {
  pseudo: {
    region: 'us-east-1',
    accountId: '000000000000',
    partition: 'aws',
    stackName: 'LabTest',
    stackId: 'arn:aws:cloudformation:us-east-1:000000000000:stack/LabTest/id',
    urlSuffix: 'amazonaws.com',
  },
  ref: (id) => {
    if (!RESOURCES[id]) throw new Error(`Ref to ${id}: no such resource`);
    return RESOURCES[id].ref;
  },
  getAtt: (id, attribute) => {
    const value = RESOURCES[id]?.attributes[attribute];
    if (value === undefined) throw new Error(`Fn::GetAtt: ${id} has no attribute ${attribute}`);
    return value;
  },
  condition: (name) => ({ IsProd: false, IsLocal: true })[name] ?? (() => { throw new Error(`no condition ${name}`); })(),
};
const resolve = (value: unknown) => resolveIntrinsics(value, context);

describe('resolveIntrinsics', () => {
  test.each([
    ['AWS::Region', 'us-east-1'],
    ['AWS::AccountId', '000000000000'],
    ['AWS::Partition', 'aws'],
    ['AWS::StackName', 'LabTest'],
    ['AWS::StackId', 'arn:aws:cloudformation:us-east-1:000000000000:stack/LabTest/id'],
    ['AWS::URLSuffix', 'amazonaws.com'],
  ])('Ref %s is the pseudo parameter', (name, expected) => {
    expect(resolve({ Ref: name })).toBe(expected);
  });

  test('Ref AWS::NoValue removes the property or list item', () => {
    expect(resolve({ A: 1, B: { Ref: 'AWS::NoValue' }, C: [1, { Ref: 'AWS::NoValue' }, 2] })).toEqual({ A: 1, C: [1, 2] });
    expect(resolve({ Ref: 'AWS::NoValue' })).toBe(NO_VALUE);
  });

  test('Ref of a resource is its Ref value', () => {
    expect(resolve({ Ref: 'Queue' })).toBe('https://queue/url');
  });

  test('Fn::GetAtt takes the list and the dotted form', () => {
    expect(resolve({ 'Fn::GetAtt': ['Queue', 'Arn'] })).toBe('arn:aws:sqs:us-east-1:000000000000:q');
    expect(resolve({ 'Fn::GetAtt': 'Stream.Arn' })).toBe('arn:aws:kinesis:us-east-1:000000000000:stream/my-stream');
  });

  test('Fn::Join joins resolved items', () => {
    expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'Stream' }]] })).toBe(
      'arn:aws:s3:::my-stream',
    );
  });

  test('Fn::Sub resolves refs, attributes, pseudo parameters and its own variables, and keeps ${!literals}', () => {
    expect(resolve({ 'Fn::Sub': '${AWS::Region}/${Stream}/${Queue.QueueName}/${!Literal}' })).toBe(
      'us-east-1/my-stream/q/${Literal}',
    );
    expect(resolve({ 'Fn::Sub': ['${Name}-${AWS::AccountId}', { Name: { Ref: 'Stream' } }] })).toBe('my-stream-000000000000');
  });

  test('Fn::Select and Fn::Split, nested', () => {
    expect(resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', { 'Fn::GetAtt': ['Stream', 'Arn'] }] }] })).toBe('my-stream');
  });

  test('Fn::If picks a branch by condition; Fn::Equals/Not/And/Or evaluate', () => {
    expect(resolve({ 'Fn::If': ['IsLocal', 'yes', 'no'] })).toBe('yes');
    expect(resolve({ 'Fn::If': ['IsProd', 'yes', { Ref: 'AWS::NoValue' }] })).toBe(NO_VALUE);
    expect(resolve({ 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] })).toBe(true);
    expect(resolve({ 'Fn::Not': [{ Condition: 'IsProd' }] })).toBe(true);
    expect(resolve({ 'Fn::And': [{ Condition: 'IsLocal' }, { Condition: 'IsProd' }] })).toBe(false);
    expect(resolve({ 'Fn::Or': [{ Condition: 'IsLocal' }, { Condition: 'IsProd' }] })).toBe(true);
  });

  test('resolves intrinsics nested in objects and lists', () => {
    expect(resolve({ Env: { Variables: { URL: { Ref: 'Queue' }, ARNS: [{ 'Fn::GetAtt': ['Queue', 'Arn'] }] } } })).toEqual({
      Env: { Variables: { URL: 'https://queue/url', ARNS: ['arn:aws:sqs:us-east-1:000000000000:q'] } },
    });
  });

  test('fails if an attribute is unknown, naming the logical id and attribute', () => {
    expect(() => resolve({ 'Fn::GetAtt': ['Queue', 'Nope'] })).toThrow(/Queue has no attribute Nope/);
  });

  test('fails if a Ref names nothing', () => {
    expect(() => resolve({ Ref: 'Missing' })).toThrow(/Ref to Missing/);
  });

  test('fails if the function is unsupported', () => {
    expect(() => resolve({ 'Fn::ImportValue': 'x' })).toThrow(/does not support the intrinsic function Fn::ImportValue/);
  });

  test('fails if Fn::Select is out of range', () => {
    expect(() => resolve({ 'Fn::Select': [3, ['a']] })).toThrow(/out of range/);
  });
});

describe('referencedLogicalIds', () => {
  test('collects Ref, Fn::GetAtt and Fn::Sub references, not pseudo parameters, Sub variables or literals', () => {
    const value = {
      A: { Ref: 'Queue' },
      B: { 'Fn::GetAtt': ['Stream', 'Arn'] },
      C: { 'Fn::Sub': ['${Table.Arn}/${Local}/${AWS::Region}/${!Literal}/${Topic}', { Local: { Ref: 'Bucket' } }] },
      D: { Ref: 'AWS::AccountId' },
    };
    expect([...referencedLogicalIds(value)].sort()).toEqual(['Bucket', 'Queue', 'Stream', 'Table', 'Topic']);
  });
});
