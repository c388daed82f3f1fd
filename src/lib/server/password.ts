import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 64;
const DEFAULT_PARAMS = { N: 16384, r: 8, p: 1 };

function deriveKey(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		scrypt(password, salt, KEY_LENGTH, options, (error, key) =>
			error ? reject(error) : resolve(key)
		);
	});
}

/**
 * Hashes a password with scrypt. The parameters travel inside the string
 * (`scrypt$N$r$p$salt$key`) so they can be raised later without breaking old hashes.
 *
 * @example
 * const stored = await hashPassword('alpha-demo-pass');
 * await verifyPassword('alpha-demo-pass', stored); // true
 */
export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16);
	const key = await deriveKey(password, salt, DEFAULT_PARAMS);
	const { N, r, p } = DEFAULT_PARAMS;

	return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
	const [scheme, n, r, p, salt, key] = stored.split('$');
	if (scheme !== 'scrypt' || !salt || !key) return false;

	const expected = Buffer.from(key, 'base64');
	const actual = await deriveKey(password, Buffer.from(salt, 'base64'), {
		N: Number(n),
		r: Number(r),
		p: Number(p)
	});

	return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * A real hash to compare against when the email is unknown, so a wrong email takes as
 * long as a wrong password and response times do not reveal which accounts exist.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
	decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
	return decoyHash;
}
