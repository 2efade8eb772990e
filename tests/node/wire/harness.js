// Shared by the tests/node/kms-wire-*.test.js files: an `atrest serve`-equivalent server
// (atrest/server's startKmsServer) on 127.0.0.1, port 0, with three access keys (the account
// root, an IAM user, an assumed-role session with a session token), and real SDK clients
// pointed at it. Only loopback addresses. Not a test file (no .test.js suffix).
import { KMSClient } from '@aws-sdk/client-kms';
import { kmsClientFromAws } from '../../../dist/kms/aws/index.js';
import { MemoryKeystore } from '../../../dist/index.js';
import { startKmsServer } from '../../../dist/kms/server/index.js';

export const ACCOUNT = '111122223333';
export const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
export const ADMIN = `arn:aws:iam::${ACCOUNT}:user/admin`;
export const ALICE = `arn:aws:iam::${ACCOUNT}:user/alice`;
export const BOB_ROLE = `arn:aws:iam::${ACCOUNT}:role/bob`;
export const BOB = `arn:aws:sts::${ACCOUNT}:assumed-role/bob/bob-session`;
export const EVE = `arn:aws:iam::444455556666:user/eve`;

export const KEYS = {
  root: {
    accessKeyId: 'AKIAROOTEXAMPLE00001',
    secretAccessKey: 'root/secret/EXAMPLEKEY0000000000000000',
    principal: ROOT,
  },
  admin: {
    accessKeyId: 'AKIAADMINEXAMPLE0001',
    secretAccessKey: 'admin/secret/EXAMPLEKEY000000000000000',
    principal: ADMIN,
  },
  alice: {
    accessKeyId: 'AKIAALICEEXAMPLE0001',
    secretAccessKey: 'alice/secret/EXAMPLEKEY000000000000000',
    principal: ALICE,
  },
  bob: {
    accessKeyId: 'ASIABOBEXAMPLE000002',
    secretAccessKey: 'bob/secret/EXAMPLEKEY00000000000000000',
    principal: BOB,
    sessionToken: 'bob-session-token-EXAMPLE',
  },
  eve: {
    accessKeyId: 'AKIAEVEEXAMPLE000003',
    secretAccessKey: 'eve/secret/EXAMPLEKEY00000000000000000',
    principal: EVE,
  },
};

/** The SDK's credential object for one of KEYS. */
export function sdkCredentials(key) {
  return {
    accessKeyId: key.accessKeyId,
    secretAccessKey: key.secretAccessKey,
    ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}),
  };
}

/** Starts a server (in memory unless options.store); returns it with helpers. */
export async function startServer(options = {}) {
  const server = await startKmsServer({
    port: 0,
    keystore: options.store ?? new MemoryKeystore(),
    credentials: Object.values(KEYS),
    ...options,
  });
  const sdk = (key, extra = {}) =>
    new KMSClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: sdkCredentials(key),
      maxAttempts: 1,
      ...extra,
    });
  return {
    server,
    url: server.url,
    sdk,
    /** A KmsClient through the adapter, signed with one of KEYS. */
    client: (key, extra) => kmsClientFromAws(sdk(key, extra)),
    close: () => server.close(),
  };
}

/** Environment for the AWS CLI / boto3 children: credentials, region, no config files. */
export function awsEnv(key, home) {
  return {
    AWS_ACCESS_KEY_ID: key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
    ...(key.sessionToken ? { AWS_SESSION_TOKEN: key.sessionToken } : { AWS_SESSION_TOKEN: undefined }),
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: `${home}/aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${home}/aws-credentials`,
    AWS_PROFILE: undefined,
    HOME: home,
  };
}
