// The agent API over fetch, with the console's cookie. A 401 anywhere but sign-in shows the sign-in form again.

let signedOut = () => undefined;
/** What to do when the session has ended (the sign-in form lives in console.js). */
export function onSignedOut(handler) {
  signedOut = handler;
}

export async function api(method, path, body) {
  const options = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    options.headers['content-type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const res = await fetch(path, options);
  let data = null;
  try {
    data = await res.json();
  } catch (_) {
    data = null;
  }
  if (res.status === 401 && path !== '/api/agent/session') signedOut('다시 로그인해 주세요. · Please sign in again.');
  return { status: res.status, data };
}
export const conversationPath = (id, action) => `/api/agent/conversations/${encodeURIComponent(id)}/${action}`;
