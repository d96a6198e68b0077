import { renderOutputs } from '../../../labs/cloud/commands';

describe('labs outputs', () => {
  test('lists the stack outputs, the functions by short name and the URL of each HTTP API', () => {
    const text = renderOutputs('orders', {
      stackName: 'LabOrders',
      outputs: { OrdersTopicArn: 'arn:aws:sns:us-east-1:000000000000:orders' },
      functions: { IntakeHandler0A1B2C3D: 'LabOrders-IntakeHandler' },
      httpApis: { OrderApi: 'http://127.0.0.1:40123' },
    });
    const lines = text.split('\n');
    expect(lines[0]).toBe('orders (LabOrders)');
    expect(lines.filter((line) => /OrdersTopicArn|function Intake|http api/.test(line)).map((line) => line.replace(/[\s│|]+/g, ' ').trim())).toEqual([
      'OrdersTopicArn arn:aws:sns:us-east-1:000000000000:orders',
      'function IntakeHandler LabOrders-IntakeHandler',
      'http api OrderApi http://127.0.0.1:40123',
    ]);
  });
});
