// The key service over the network, for `--endpoint URL` (or ATREST_KMS_ENDPOINT: an `atrest
// serve`) and `--kms aws` (AWS KMS itself): the same atrest/aws adapter over @aws-sdk/client-kms,
// with credentials and region from the SDK's standard chain (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, AWS_REGION or AWS_DEFAULT_REGION, default us-east-1 for an endpoint).
// No key store is opened and no lock taken, so any number of commands run at once. The SDK is
// an optional peer dependency, loaded only here.

import type { KmsClient } from '../kms/types.js';
import { UsageError } from './exit-codes.js';

export interface RemoteKmsChoice {
  endpoint?: string;
  aws: boolean;
}

/** What --endpoint, ATREST_KMS_ENDPOINT and --kms ask for; undefined for the embedded store. */
export function remoteKmsChoice(
  values: ReadonlyMap<string, string>,
  env: Record<string, string | undefined>,
): RemoteKmsChoice | undefined {
  const kind = values.get('kms');
  if (kind !== undefined && kind !== 'aws' && kind !== 'local')
    throw new UsageError(`--kms takes aws or local, got ${JSON.stringify(kind)}`);
  if (kind === 'local') return undefined;
  const endpoint = values.get('endpoint') ?? (env.ATREST_KMS_ENDPOINT || undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
    throw new UsageError(
      `--endpoint takes http(s)://HOST:PORT (the URL atrest serve prints), got ${JSON.stringify(endpoint)}`,
    );
  }
  if (endpoint === undefined && kind !== 'aws') return undefined;
  return { endpoint, aws: kind === 'aws' };
}

export async function remoteKms(choice: RemoteKmsChoice, env: Record<string, string | undefined>): Promise<KmsClient> {
  let sdk: typeof import('@aws-sdk/client-kms');
  try {
    sdk = await import('@aws-sdk/client-kms');
  } catch {
    throw new UsageError(
      'a remote key service needs the optional package @aws-sdk/client-kms: npm install @aws-sdk/client-kms',
    );
  }
  const { kmsClientFromAws } = await import('../kms/aws/index.js');
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (choice.endpoint !== undefined ? 'us-east-1' : undefined);
  const client = new sdk.KMSClient({
    ...(choice.endpoint !== undefined ? { endpoint: choice.endpoint } : {}),
    ...(region ? { region } : {}),
  });
  return kmsClientFromAws(client);
}
