/** The checkov waivers (deploy/checkov/waivers.yaml): valid, each with a reason that holds up. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../common/paths.js';
import { readWaivers, WaiversSchema } from '../../deploy/checks/waivers.js';

describe('checkov waivers', () => {
  it('every waiver names a check and gives a reason', async () => {
    const { waivers } = await readWaivers();
    assert.ok(waivers.length > 0);
    for (const waiver of waivers) assert.ok(waiver.reason.split(/\s+/).length >= 10, `${waiver.check}: a reason of a sentence or more`);
  });

  it('the tests a reason relies on exist', async () => {
    const { waivers } = await readWaivers();
    for (const waiver of waivers) {
      for (const match of waiver.reason.matchAll(/test\/deploy\/[\w.-]+\.test\.ts/g)) {
        assert.ok(existsSync(path.join(REPO_ROOT, match[0])), `${waiver.check} relies on ${match[0]}`);
      }
    }
  });

  it('rejects a waiver without a reason, a bad id and a duplicate', () => {
    assert.equal(WaiversSchema.safeParse({ waivers: [{ check: 'CKV_K8S_43' }] }).success, false);
    assert.equal(WaiversSchema.safeParse({ waivers: [{ check: 'K8S_43', reason: 'a long enough reason for the schema to accept it here' }] }).success, false);
    const reason = 'a long enough reason for the schema to accept it here';
    assert.equal(WaiversSchema.safeParse({ waivers: [{ check: 'CKV_K8S_43', reason }, { check: 'CKV_K8S_43', reason }] }).success, false);
  });
});
