import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { UpsertIdentityDto } from '../identities/identity.dto';
import { validationMessages } from './validation-messages';

function messagesFor(body: unknown): string[] {
  const errors = validateSync(plainToInstance(UpsertIdentityDto, body) as object, { whitelist: true, forbidNonWhitelisted: true });
  return validationMessages(errors);
}

describe('validation messages', () => {
  it('a missing required property is one "is required", not every constraint it fails', () => {
    expect(messagesFor({ attributes: {} })).toEqual(['faces is required']);
  });

  it('a value of the wrong kind says its kind only, without size limits or its children', () => {
    expect(messagesFor({ faces: 'x' })).toEqual(['faces must be an array']);
    expect(messagesFor({ faces: [{ vector: [1] }], attributes: 'x' })).toEqual(['attributes must be an object']);
  });

  it('a value of the right kind keeps every constraint it fails, nested ones with their path', () => {
    expect(messagesFor({ faces: [] })).toEqual(['faces must contain at least 1 elements']);
    expect(messagesFor({ faces: [{ vector: [1], faceId: 7 }] })).toEqual(['faces.0.faceId must be a string']);
    expect(messagesFor({ faces: [{ vector: [1] }], owner: 'x' })).toEqual(['property owner should not exist']);
  });
});
