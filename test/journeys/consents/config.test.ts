import { describe, expect, it } from 'vitest';
import { consentAuthorisationToken, SANDBOX_SECRETS } from '../../../lib/config.js';

describe('CONSENT_AUTHORISATION_TOKEN', () => {
  it('is the published sandbox token outside production, and refused in production unset, published or short', () => {
    expect(consentAuthorisationToken({})).toBe(SANDBOX_SECRETS.consentAuthorisationToken);
    expect(consentAuthorisationToken({ CONSENT_AUTHORISATION_TOKEN: 'mine' })).toBe('mine');
    expect(() => consentAuthorisationToken({ NODE_ENV: 'production' })).toThrow(/CONSENT_AUTHORISATION_TOKEN is not set/);
    expect(() => consentAuthorisationToken({ NODE_ENV: 'production', CONSENT_AUTHORISATION_TOKEN: SANDBOX_SECRETS.consentAuthorisationToken })).toThrow(/published sandbox value/);
    expect(() => consentAuthorisationToken({ NODE_ENV: 'production', CONSENT_AUTHORISATION_TOKEN: 'short' })).toThrow(/shorter than 32 bytes/);
    const strong = 'a-bank-issued-token-of-more-than-32-bytes';
    expect(consentAuthorisationToken({ NODE_ENV: 'production', CONSENT_AUTHORISATION_TOKEN: strong })).toBe(strong);
  });
});
