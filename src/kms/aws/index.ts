// atrest/aws — the envelope layer on AWS KMS (or on `atrest serve`): a KmsClient over
// @aws-sdk/client-kms, an optional peer dependency that only this entry point loads.
export { kmsClientFromAws, AwsKmsError } from './adapter.js';
export type { AwsKmsClientLike } from './adapter.js';
