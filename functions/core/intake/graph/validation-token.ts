/**
 * Graph's validation request carries an opaque, plain-text token (e.g. `Validation: Testing client
 * application reachability for subscription Request-Id: <guid>`), to be echoed as text/plain.
 * Microsoft documents that Graph never sends a token containing HTML or JavaScript and that a
 * receiver must not reflect one (learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 * #notificationurl-validation). We accept printable ASCII without markup or quote
 * characters, up to 1024 characters; anything else is refused and never echoed.
 */
const GRAPH_VALIDATION_TOKEN = /^[\x20-\x7e]{1,1024}$/;
const MARKUP = /[<>&"'`]/;

/** True when `token` has the shape of a Graph validation token and is safe to echo. */
export function isGraphValidationToken(token: string): boolean {
  return GRAPH_VALIDATION_TOKEN.test(token) && !MARKUP.test(token) && token.trim().length > 0;
}
