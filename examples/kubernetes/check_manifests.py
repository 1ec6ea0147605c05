#!/usr/bin/env python3
"""Checks the Kubernetes examples (issue 11, item 19): they lint clean, they
state TLS or --allow_insecure plainly, and their readiness probes reach the
server they start.

  check_manifests.py --kivi-server=PATH --kivi=PATH

For each manifest: yamllint --strict; the kivi-server container listens
beyond loopback (else no probe reaches it) with either TLS plus client
authentication or --allow_insecure (kivi-server's own rule); a TLS server
is probed by an exec probe (the kubelet's gRPC probe speaks no TLS) and a
plaintext one may use the gRPC probe; every probe targets the listen port.
Then kivi-server runs with the manifest's flags on 127.0.0.1 (tests bind
nothing else) with memory:// and throw-away certificates at the manifest's
paths' names, and the readiness probe runs against it and must exit 0.
Exit 77 (skipped) when yamllint is missing outside CI.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFESTS = ["kivi-server-tls.yaml", "kivi-server-plaintext.yaml"]


def fail(manifest, message):
    print(f"{manifest}: {message}", file=sys.stderr)
    sys.exit(1)


def flags_of(args):
    flags = {}
    for arg in args:
        name, _, value = arg.partition("=")
        flags[name] = value
    return flags


def container_of(manifest):
    with open(os.path.join(HERE, manifest)) as f:
        for doc in yaml.safe_load_all(f):
            if doc and doc.get("kind") == "Deployment":
                for c in doc["spec"]["template"]["spec"]["containers"]:
                    if c["name"] == "kivi-server":
                        return c
    fail(manifest, "no Deployment with a kivi-server container")


def port_of(container, port):
    if isinstance(port, int):
        return port
    for p in container["ports"]:
        if p["name"] == port:
            return p["containerPort"]
    return None


def make_pki(directory):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True,
                       capture_output=True, stdin=subprocess.DEVNULL)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key",
            "-out", "ca.crt", "-days", "1", "-subj", "/CN=kivi test CA")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "tls.key", "-out", "tls.csr", "-subj",
            "/CN=kivi")
    with open(os.path.join(directory, "san.ext"), "w") as f:
        f.write("subjectAltName=DNS:kivi\n")
    openssl("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey",
            "ca.key", "-CAcreateserial", "-out", "tls.crt", "-days", "1",
            "-extfile", "san.ext")
    with open(os.path.join(directory, "token"), "w") as f:
        f.write("example-token\n")


def local_path(directory, path):
    """A file the manifest mounts, made locally under its base name."""
    return os.path.join(directory, os.path.basename(path))


def check(manifest, kivi_server, kivi):
    container = container_of(manifest)
    flags = flags_of(container["args"])
    listen = flags.get("--listen", "")
    host, _, port = listen.rpartition(":")
    if host in ("", "127.0.0.1", "localhost", "[::1]"):
        fail(manifest, f"--listen={listen}: the kubelet cannot reach loopback")
    tls = "--tls_cert" in flags and "--tls_key" in flags
    authenticated = "--auth_token_file" in flags or "--tls_client_ca" in flags
    if not (tls and authenticated) and "--allow_insecure" not in flags:
        fail(manifest, "beyond loopback kivi-server needs TLS and client "
             "authentication, or --allow_insecure stated plainly")
    readiness = container["readinessProbe"]
    if tls and "grpc" in readiness:
        fail(manifest, "the kubelet's gRPC probe speaks no TLS")
    for name in ("readinessProbe", "livenessProbe"):
        probe = container[name]
        for kind in ("grpc", "tcpSocket"):
            if kind in probe and port_of(container, probe[kind]["port"]) != int(port):
                fail(manifest, f"{name} does not target port {port}")

    with tempfile.TemporaryDirectory() as directory:
        make_pki(directory)
        args = [kivi_server]
        for arg in container["args"]:
            name, _, value = arg.partition("=")
            if name == "--listen":
                arg = "--listen=127.0.0.1:0"
            elif name == "--backend":
                arg = "--backend=memory://"
            elif name in ("--tls_cert", "--tls_key", "--auth_token_file",
                          "--tls_client_ca"):
                arg = f"{name}={local_path(directory, value)}"
            args.append(arg)
        server = subprocess.Popen(args, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        try:
            line = server.stdout.readline()
            if "listening on" not in line:
                server.kill()
                fail(manifest, "kivi-server did not start with the manifest's "
                     f"flags: {server.stderr.read()}")
            address = line.split("listening on ")[1].split(" ")[0]
            if "exec" in readiness:
                command = readiness["exec"]["command"]
                if command[0] != "kivi":
                    fail(manifest, "the exec probe should run kivi")
                probe = [kivi]
                for arg in command[1:]:
                    name, _, value = arg.partition("=")
                    if name == "--addr":
                        arg = f"--addr={address}"
                    elif name in ("--tls_ca", "--tls_cert", "--tls_key"):
                        arg = f"{name}={local_path(directory, value)}"
                    probe.append(arg)
            else:
                # What the kubelet's gRPC probe asks: grpc.health.v1 Check
                # of the service, in plaintext.
                probe = [kivi, "health", f"--addr={address}",
                         f"--service={readiness['grpc'].get('service', '')}"]
            result = subprocess.run(probe, capture_output=True, text=True,
                                    timeout=30)
            if result.returncode != 0:
                fail(manifest, f"readiness probe {probe} exited "
                     f"{result.returncode}: {result.stdout}{result.stderr}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"{manifest}: ok")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kivi-server", required=True)
    parser.add_argument("--kivi", required=True)
    options = parser.parse_args()
    yamllint = shutil.which("yamllint")
    if yamllint is None:
        if os.environ.get("CI") == "true":
            print("yamllint not found and CI=true: install it "
                  "(scripts/install-deps.sh)", file=sys.stderr)
            return 1
        print("yamllint not found; skipped", file=sys.stderr)
        return 77
    lint = subprocess.run(
        [yamllint, "--strict", "-c", os.path.join(HERE, ".yamllint")] +
        [os.path.join(HERE, m) for m in MANIFESTS],
        capture_output=True, text=True)
    if lint.returncode != 0:
        print(lint.stdout + lint.stderr, file=sys.stderr)
        return 1
    for manifest in MANIFESTS:
        check(manifest, options.kivi_server, options.kivi)
    return 0


if __name__ == "__main__":
    sys.exit(main())
