// One HTTP call for the tests: status, headers, and the body parsed as JSON when it is JSON (otherwise
// the raw text, so a failing test can show what came back).
export interface HttpResult {
  status: number;
  body: any;
  headers: Headers;
}

export async function http(url: string, init: RequestInit = {}): Promise<HttpResult> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, headers: res.headers };
}
