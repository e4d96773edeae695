// Test certificates for the simulator's faithful mode (--tls): a private CA, a server
// certificate for localhost / 127.0.0.1 / ::1 and a client certificate, all signed by that CA,
// made with the system's openssl (P-256 keys: quick to generate).

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const DAYS = "30";

function openssl(args, cwd) {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
  } catch (err) {
    const why = err.code === "ENOENT" ? "openssl is not installed (apt-get install openssl)" : String(err.stderr ?? err.message).trim();
    throw new Error(`simulator: could not make test certificates: ${why}`);
  }
}

function keyAndCsr(dir, name, subject) {
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${name}.key`], dir);
  openssl(["req", "-new", "-key", `${name}.key`, "-subj", subject, "-out", `${name}.csr`], dir);
}

function sign(dir, name, extensions) {
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", DAYS, "-sha256", "-extfile", `${name}.ext`, "-out", `${name}.crt`], dir);
}

/**
 * Makes ca.crt/ca.key, server.crt/server.key and client.crt/client.key in `dir` (a new temporary
 * folder when not given). Returns the folder, the file paths and their PEM contents.
 * @param {string} [dir]
 */
export function makeTestCertificates(dir) {
  const folder = dir ?? mkdtempSync(path.join(tmpdir(), "iot-sim-certs-"));
  mkdirSync(folder, { recursive: true });
  openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key"], folder);
  openssl(["req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=iot-upgrade-task simulator test CA", "-days", DAYS, "-sha256", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "ca.crt"], folder);
  keyAndCsr(folder, "server", "/CN=localhost");
  sign(folder, "server", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n");
  keyAndCsr(folder, "client", "/CN=iot-upgrade-task gateway (test client)");
  sign(folder, "client", "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
  const file = (n) => path.join(folder, n);
  const read = (n) => readFileSync(file(n), "utf8");
  return {
    dir: folder,
    files: { ca: file("ca.crt"), cert: file("server.crt"), key: file("server.key"), clientCert: file("client.crt"), clientKey: file("client.key") },
    ca: read("ca.crt"),
    cert: read("server.crt"),
    key: read("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
  };
}
