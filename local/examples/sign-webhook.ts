/**
 * Signs a body for `POST /webhooks/events` (Standard Webhooks: webhook-id, webhook-timestamp,
 * webhook-signature = v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>) and prints the three
 * headers as curl flags. The key is WEBHOOK_SIGNING_SECRET (whsec_…), or the local runner's default.
 *
 *   curl -sS -i -X POST http://127.0.0.1:3000/webhooks/events -H 'Content-Type: application/json' \
 *     $(node --import tsx local/examples/sign-webhook.ts local/examples/webhook-deprovision-alice.json) \
 *     --data-binary @local/examples/webhook-deprovision-alice.json
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeSigningSecret, signWebhook } from '#core/intake/signed-webhook/normalise.ts';
import { LOCAL_DEFAULT_SECRETS } from '../config.ts';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx local/examples/sign-webhook.ts <body.json>\n');
  process.exit(2);
}
const secret = process.env.WEBHOOK_SIGNING_SECRET ?? LOCAL_DEFAULT_SECRETS.WEBHOOK_SIGNING_SECRET;
const key = decodeSigningSecret(secret);
if (!key) {
  process.stderr.write('WEBHOOK_SIGNING_SECRET must be whsec_<base64>\n');
  process.exit(2);
}
// The exact bytes curl sends with --data-binary: sign the file as it is on disk.
const body = readFileSync(file);
const id = `msg_${randomUUID()}`;
const timestamp = String(Math.floor(Date.now() / 1000));
process.stdout.write(
  `-H webhook-id:${id} -H webhook-timestamp:${timestamp} -H webhook-signature:${signWebhook(key, id, timestamp, body)}\n`,
);
