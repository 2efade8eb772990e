// Request-shape checks shared by the operations: each failure is a ValidationException naming
// the field and the rule.

import { ValidationException } from './errors.js';

export function requireObject(request: unknown, operation: string): Record<string, unknown> {
  if (request === undefined) return {};
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new ValidationException(`${operation}: the request must be an object`);
  }
  return request as Record<string, unknown>;
}

export function checkBytes(value: unknown, field: string, min: number, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ValidationException(`${field} must be a Uint8Array`);
  if (value.length < min || value.length > max) {
    throw new ValidationException(`${field} must be ${min} to ${max} bytes, got ${value.length}`);
  }
  return value;
}

export function checkInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationException(`${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export function checkOptionalString(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new ValidationException(`${field} must be a string of at most ${max} characters`);
  }
  return value;
}

export function checkOptionalBoolean(value: unknown, field: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValidationException(`${field} must be a boolean`);
  return value;
}

/** EncryptionAlgorithm fields: symmetric keys have exactly one. */
export function checkEncryptionAlgorithm(value: unknown, field: string): void {
  if (value !== undefined && value !== 'SYMMETRIC_DEFAULT') {
    throw new ValidationException(
      `${field} must be SYMMETRIC_DEFAULT (the only algorithm of a symmetric encryption key), got ${String(value)}`,
    );
  }
}
