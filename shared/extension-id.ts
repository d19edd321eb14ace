/**
 * The companion's identity, shared by its manifest (wxt.config.ts) and the server (CORS allows its
 * origin; `npm start` prints its connect link).
 *
 * The manifest `key` fixes the Chrome extension id of an unpacked build, whatever folder it is
 * loaded from, so `npm start` can print a connect link (`chrome-extension://<id>/options.html?…`)
 * before the rep loads the extension. Only the public half exists: an unpacked extension needs no
 * private key, and a store build gets its own id.
 */
export const MANIFEST_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1vHf8Sl1TPx85a4Sz0RZ9jf4n4GuB+PHR0AnXJOpuMq5QvkI+uyaGgpSDwOyfIVdLRE9whEG7dNa7P/UvOkPob/dvaUUG+6x0bgA0F25LvHfCukKS5nD/whfgu0Ym7xweD8AjIZTw9Y2R1uCwAcIxlktp0oD2gTMzqkPsMo1Tx0eHrN1V1wCdF4LEwMz5M4XEvcCf+SBeW4ycx89SB4XdqQSpCcOLDaZ0aA6hOUWhSxNd8Yo+R1efnOPazc9Dt0eq4kPUMXfH/tYRxryDZiStPU1dQWMz3gWCYpqTp1gyQ2P3wX75ms/RmlguwDXDkENmJ2cCrLhDnAxISkN04AdTQIDAQAB';

/** Chrome's id for MANIFEST_KEY: the first 32 hex digits of sha256(key), each mapped 0-f → a-p. */
export const CHROME_EXTENSION_ID = 'ffnieeghgamfadepgcobmapgcdaifoah';

/** Firefox's add-on id (its moz-extension:// uuid is still random per install). */
export const GECKO_ID = 'companion@crm-associations.invalid';

/** The options page that signs in with a server address and token: what `npm start` prints. */
export function connectLink(server: string, token: string, extensionId = CHROME_EXTENSION_ID): string {
  const params = new URLSearchParams({ server, token });
  return `chrome-extension://${extensionId}/options.html?${params}`;
}
