import { createPrivateKey } from 'node:crypto';

/**
 * Google issues service-account keys as RSA 2048; 4096 leaves room for keys uploaded by hand. Anything
 * larger is refused because every JWT signature costs about the cube of the modulus length: a
 * 16,384-bit key takes about 1.3 s of CPU per signature, and each sync and test signs again.
 */
export const RSA_KEY_BITS = { min: 2048, max: 4096 } as const;

/** Why the PEM private key cannot be used for the jwt-bearer grant, or undefined when it can. */
export function serviceAccountKeyProblem(pem: string): string | undefined {
  let details: { type?: string; bits?: number };
  try {
    const key = createPrivateKey(pem);
    details = { type: key.asymmetricKeyType, bits: key.asymmetricKeyDetails?.modulusLength };
  } catch {
    return 'the private_key of the key file could not be read (expected a PEM "BEGIN PRIVATE KEY" block)';
  }
  const wanted = `an RSA key of ${RSA_KEY_BITS.min} to ${RSA_KEY_BITS.max} bits`;
  if (details.type !== 'rsa') return `the private_key must be ${wanted}; this key is of type ${details.type ?? 'unknown'}`;
  const bits = details.bits ?? 0;
  if (bits < RSA_KEY_BITS.min || bits > RSA_KEY_BITS.max) return `the private_key must be ${wanted}; this key has ${bits} bits`;
  return undefined;
}
