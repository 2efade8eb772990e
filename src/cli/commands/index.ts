// Every command, in the order `atrest --help` lists them.

import type { Command } from '../command.js';
import { accessKeyCommands } from './access-keys.js';
import { auditCommands } from './audit.js';
import { dataCommands } from './data.js';
import { grantCommands } from './grants.js';
import { keyCommands } from './keys.js';
import { luksCommands } from './luks.js';
import { policyCommands } from './policy.js';
import { serveCommands } from './serve.js';
import { sqlCommands } from './sql.js';

export const COMMANDS: readonly Command[] = [
  ...dataCommands,
  ...keyCommands,
  ...grantCommands,
  ...policyCommands,
  ...auditCommands,
  ...luksCommands,
  ...sqlCommands,
  ...serveCommands,
  ...accessKeyCommands,
];
