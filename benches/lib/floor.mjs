// The floor: plain fetch + JSON.parse of the same body, the least any client can do.

const PATH = "/iodm/northbound/v1.5.0/operations/";

export function request(operationId, token, { baseUrl, appKey }) {
  return fetch(baseUrl.replace(/\/$/, "") + PATH + encodeURIComponent(operationId), {
    headers: { app_key: appKey, authorization: `Bearer ${token}`, accept: "application/json" },
  });
}

export async function floorQuery(operationId, token, options) {
  const res = await request(operationId, token, options);
  return JSON.parse(await res.text());
}
