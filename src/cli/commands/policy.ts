// `atrest policy get|put`: a key's key policy, as the JSON document AWS KMS uses.

import { readStdinText } from '../stdin.js';
import { positional, type Command } from '../command.js';
import { UsageError } from '../exit-codes.js';
import { readPolicyFile } from './keys.js';

const get: Command = {
  words: 'policy get',
  synopsis: '<key>',
  summary: 'print the key policy',
  options: {},
  positionals: { min: 1, max: 1, names: '<key>' },
  async run(ctx) {
    const kms = await ctx.kms();
    const r = await kms.getKeyPolicy({ KeyId: positional(ctx, 0) });
    const document = JSON.parse(r.Policy) as unknown;
    ctx.out.result([JSON.stringify(document, null, 2)], { PolicyName: r.PolicyName, Policy: document });
  },
};

const put: Command = {
  words: 'policy put',
  synopsis: '<key> [file.json]   (no file: read the policy from stdin)',
  summary: 'replace the key policy',
  options: {},
  positionals: { min: 1, max: 2, names: '<key> [file.json]' },
  async run(ctx) {
    const file = ctx.args.positionals[1];
    let policy: string;
    if (file === undefined || file === '-') {
      policy = await readStdinText();
      try {
        JSON.parse(policy);
      } catch (e) {
        throw new UsageError(`policy put: the policy on stdin is not JSON (${(e as Error).message})`);
      }
    } else {
      policy = await readPolicyFile(file, 'policy put');
    }
    const kms = await ctx.kms();
    await kms.putKeyPolicy({ KeyId: positional(ctx, 0), Policy: policy });
    ctx.out.result([`key policy of ${positional(ctx, 0)} replaced`], { Replaced: true });
  },
};

export const policyCommands: Command[] = [get, put];
