import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findModule } from '../../../lib/modules';
import { attachToCloud } from '../../../labs/cloud/attach';
import { writeState, type CloudModuleState, type CloudState } from '../../../labs/cloud/state';
import { templateOf } from '../../../labs/targets/target';

const dir = mkdtempSync(join(tmpdir(), 'labs-attach-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ORDERS = findModule('orders');

function cloudWith(name: string, orders: Partial<CloudModuleState>): string {
  const path = join(dir, `${name}.json`);
  const state: CloudState = {
    pid: process.pid,
    port: 4566,
    url: 'http://127.0.0.1:4566',
    region: 'us-east-1',
    accessKeyId: 'AKIAEXAMPLEEXAMPLE00',
    secretAccessKey: 'secret',
    startedAt: '2026-12-02T02:00:00.000Z',
    modules: { orders: { stackName: 'LabOrders', outputs: { ApiUrl: 'http://127.0.0.1:1' }, functions: {}, ...orders } },
    emulators: [],
  };
  writeState(state, path);
  return path;
}

describe('a lab attached to a running cloud', () => {
  test('reads the template the cloud provisioned, for labs that evaluate its alarms', async () => {
    // GIVEN a cloud that wrote where its synthesized template is
    const templateFile = join(dir, 'LabOrders.template.json');
    const template = { Resources: { InventoryAgeAlarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Threshold: 60 } } } };
    writeFileSync(templateFile, JSON.stringify(template));
    const session = await attachToCloud(ORDERS, {}, cloudWith('with-template', { templateFile }));
    try {
      // THEN
      expect(session?.stackName).toBe('LabOrders');
      expect(await templateOf(session!)).toEqual(template);
    } finally {
      await session?.close();
    }
  });

  test('a template removed meanwhile is an error that says how to redeploy it', async () => {
    const session = await attachToCloud(ORDERS, {}, cloudWith('removed', { templateFile: join(dir, 'gone.template.json') }));
    try {
      await expect(templateOf(session!)).rejects.toThrow(/template of orders cannot be read .*npx labs up orders/);
    } finally {
      await session?.close();
    }
  });

  test('a cloud that did not say where its template is gets the lab the error to stop it', async () => {
    const session = await attachToCloud(ORDERS, {}, cloudWith('without-template', {}));
    try {
      await expect(templateOf(session!)).rejects.toThrow(/does not share: stop it with `npx labs down`/);
    } finally {
      await session?.close();
    }
  });

  test('options that change the stack start a cloud of their own instead', async () => {
    const log: string[] = [];
    const session = await attachToCloud(ORDERS, { context: { ordersPoolSize: '2' }, log: (line) => log.push(line) }, cloudWith('changed', {}));
    expect(session).toBeUndefined();
    expect(log).toEqual(['not using the local cloud on 127.0.0.1:4566: its options change the stack (ordersPoolSize); starting a local cloud of its own']);
  });
});
