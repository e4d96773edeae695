// Test certificates made with openssl in a temporary folder (not a test file itself): a
// platform CA and what a platform can get wrong with TLS — a server certificate from that CA,
// one for another host name, an expired one, a self-signed leaf, one from an unknown CA (sent
// alone, or with that CA in the chain) — and a client certificate for two-way TLS. EC keys, so
// making them all takes well under a second. Plus HTTPS servers on 127.0.0.1 that use them.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Makes every certificate; `remove()` deletes the folder. Files are PEM; paths and contents both given. */
export function makeCertificates() {
  const dir = mkdtempSync(join(tmpdir(), "iot-tls-"));
  const file = (name) => join(dir, name);
  const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const key = (name) => openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file(`${name}.key`));
  const ext = (name, text) => {
    writeFileSync(file(`${name}.ext`), text);
    return file(`${name}.ext`);
  };
  const caExt = ext("ca", "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
  const serverExt = (names) => ext(`server-${names.length}-${names[0].replace(/\W/g, "")}`, `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nsubjectAltName=${names.join(",")}\n`);
  const loopback = serverExt(["IP:127.0.0.1", "DNS:localhost"]);

  /** A self-signed CA. */
  const authority = (name, subject) => {
    key(name);
    openssl("req", "-x509", "-new", "-key", `${name}.key`, "-subj", `/CN=${subject}`, "-days", "3650", "-out", `${name}.crt`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  };
  /** A certificate signed by `issuer`, valid from `start` to `end` (openssl ca dates) or for 10 years. */
  const issue = (name, issuer, subject, extFile, dates = null) => {
    key(name);
    openssl("req", "-new", "-key", `${name}.key`, "-subj", `/CN=${subject}`, "-out", `${name}.csr`);
    if (dates === null) {
      openssl("x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`, "-CAcreateserial", "-days", "3650", "-extfile", extFile, "-out", `${name}.crt`);
      return;
    }
    // `openssl ca` is the one that takes explicit dates (for a certificate that has expired).
    writeFileSync(file("index.txt"), "");
    writeFileSync(file("serial"), "1000\n");
    writeFileSync(
      file("ca.cnf"),
      `[ca]\ndefault_ca=d\n[d]\ndir=${dir}\ndatabase=${dir}/index.txt\nserial=${dir}/serial\nnew_certs_dir=${dir}\ndefault_md=sha256\npolicy=p\nunique_subject=no\ncopy_extensions=none\n[p]\ncommonName=supplied\n`,
    );
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", `${issuer}.crt`, "-keyfile", `${issuer}.key`, "-in", `${name}.csr`, "-out", `${name}.crt`, "-startdate", dates[0], "-enddate", dates[1], "-extfile", extFile, "-notext");
  };

  authority("ca", "iot-upgrade-task test platform CA");
  authority("other-ca", "an unknown CA");
  issue("server", "ca", "127.0.0.1", loopback);
  issue("wrong-host", "ca", "platform.example", serverExt(["DNS:platform.example"]));
  issue("expired", "ca", "127.0.0.1", loopback, ["20200101000000Z", "20200102000000Z"]);
  issue("unknown", "other-ca", "127.0.0.1", loopback);
  issue("client", "ca", "iot-console", ext("client", "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n"));
  key("self");
  openssl("req", "-x509", "-new", "-key", "self.key", "-subj", "/CN=127.0.0.1", "-days", "3650", "-out", "self.crt", "-addext", "subjectAltName=IP:127.0.0.1", "-addext", "basicConstraints=CA:FALSE");
  void caExt;

  const pair = (name) => ({ keyFile: file(`${name}.key`), certFile: file(`${name}.crt`), key: readFileSync(file(`${name}.key`)), cert: readFileSync(file(`${name}.crt`)) });
  const certs = {
    dir,
    ca: pair("ca"),
    otherCa: pair("other-ca"),
    server: pair("server"),
    wrongHost: pair("wrong-host"),
    expired: pair("expired"),
    unknown: pair("unknown"),
    self: pair("self"),
    client: pair("client"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  // The unknown CA's leaf with that CA in the chain: "self-signed certificate in chain".
  certs.unknownWithChain = { ...certs.unknown, cert: Buffer.concat([certs.unknown.cert, certs.otherCa.cert]) };
  return certs;
}

/**
 * An HTTPS server on 127.0.0.1 with `tls` ({key, cert, and for two-way TLS ca + requestCert});
 * `handler(req, res)` answers. Resolves { baseUrl, port, close() }.
 */
export async function httpsServer(tls, handler) {
  const server = https.createServer(tls, handler);
  const sockets = new Set();
  server.on("secureConnection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => {});
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    server,
    port,
    baseUrl: `https://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
