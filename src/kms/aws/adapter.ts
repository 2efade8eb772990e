// atrest/aws: a KmsClient backed by @aws-sdk/client-kms, so code written against LocalKms runs
// unchanged against AWS KMS (or against `atrest serve`, which speaks the same protocol).
//
// The SDK is an optional peer dependency: only this entry point imports it, so the core bundle,
// dist/atrest.global.js and the Deno import of `atrest` never load it. The adapter accepts either
// the bare `KMSClient` (commands are sent with `client.send(new XCommand(input))`) or the
// aggregated `KMS` class (its methods have our names). Responses lose the SDK's `$metadata`;
// blobs already arrive as Uint8Array and dates as Date. A failure is rethrown as an Error whose
// `name` is AWS's exception name (modelled or not: AccessDeniedException has no class in the
// SDK), whose message is AWS's, and whose `cause` is the SDK's error.

import * as sdk from '@aws-sdk/client-kms';
import type { KmsClient } from '../types.js';

/** The methods of KmsClient, in the SDK's command naming (`createKey` → `CreateKeyCommand`). */
const METHODS: readonly (keyof KmsClient)[] = [
  'createKey',
  'describeKey',
  'listKeys',
  'enableKey',
  'disableKey',
  'scheduleKeyDeletion',
  'cancelKeyDeletion',
  'createAlias',
  'updateAlias',
  'deleteAlias',
  'listAliases',
  'encrypt',
  'decrypt',
  'reEncrypt',
  'generateDataKey',
  'generateDataKeyWithoutPlaintext',
  'createGrant',
  'listGrants',
  'retireGrant',
  'revokeGrant',
  'enableKeyRotation',
  'disableKeyRotation',
  'getKeyRotationStatus',
  'rotateKeyOnDemand',
  'listKeyRotations',
  'getKeyPolicy',
  'putKeyPolicy',
];

/** What the adapter needs of an SDK client: `send` (KMSClient) or the operation methods (KMS). */
export type AwsKmsClientLike = { send(command: unknown): Promise<unknown> } | { [method: string]: unknown };

/** An Error carrying AWS's exception name, message, HTTP status and request id. */
export class AwsKmsError extends Error {
  /** The HTTP status of the reply, when there was one. */
  readonly httpStatusCode: number | undefined;
  readonly requestId: string | undefined;
  constructor(name: string, message: string, cause: unknown) {
    super(message, { cause });
    this.name = name;
    const meta = (cause as { $metadata?: { httpStatusCode?: number; requestId?: string } } | null)?.$metadata;
    this.httpStatusCode = meta?.httpStatusCode;
    this.requestId = meta?.requestId;
  }
}

/** A KmsClient over an `@aws-sdk/client-kms` `KMSClient` or `KMS`. The caller configures the
 *  SDK client (region, credentials, endpoint such as `http://127.0.0.1:4599` for `atrest serve`). */
export function kmsClientFromAws(client: AwsKmsClientLike): KmsClient {
  if (client === null || typeof client !== 'object') {
    throw new TypeError('kmsClientFromAws: expected a KMSClient or KMS from @aws-sdk/client-kms');
  }
  const aggregated = typeof (client as Record<string, unknown>).decrypt === 'function';
  if (!aggregated && typeof (client as { send?: unknown }).send !== 'function') {
    throw new TypeError(
      'kmsClientFromAws: the object has neither send() (KMSClient) nor the KMS operation methods (KMS)',
    );
  }
  const commands = sdk as unknown as Record<string, new (input: unknown) => unknown>;
  const out = {} as Record<keyof KmsClient, (request?: unknown) => Promise<unknown>>;
  for (const method of METHODS) {
    const commandName = method[0]!.toUpperCase() + method.slice(1) + 'Command';
    const Command = commands[commandName];
    if (typeof Command !== 'function')
      throw new TypeError(`kmsClientFromAws: this @aws-sdk/client-kms has no ${commandName}`);
    out[method] = async (request?: unknown) => {
      const input = request ?? {};
      let response: unknown;
      try {
        response = aggregated
          ? await (client as Record<string, (input: unknown) => Promise<unknown>>)[method]!(input)
          : await (client as { send(command: unknown): Promise<unknown> }).send(new Command(input));
      } catch (e) {
        throw translateError(e);
      }
      return withoutMetadata(response);
    };
  }
  return out as unknown as KmsClient;
}

function withoutMetadata(response: unknown): Record<string, unknown> {
  if (response === null || typeof response !== 'object') return {};
  const { $metadata: _metadata, ...rest } = response as Record<string, unknown>;
  return rest;
}

function translateError(e: unknown): Error {
  const err = e as { name?: unknown; message?: unknown } | null;
  const name = typeof err?.name === 'string' && err.name !== '' ? err.name : 'Error';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  return new AwsKmsError(name, message, e);
}
