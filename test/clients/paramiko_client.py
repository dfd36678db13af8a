"""Drives grid-sftp serve with paramiko for the client tests: prints one JSON line of results."""
import json
import sys

import paramiko

host, port, user, password, key_file, bad_key_file = sys.argv[1:7]
port = int(port)
results = {}


def connect(**auth):
    transport = paramiko.Transport((host, port))
    transport.connect(username=user, **auth)
    return transport


# Wrong password and unknown key are refused.
for name, auth in (
    ("wrong_password", {"password": password + "-wrong"}),
    ("unknown_key", {"pkey": paramiko.Ed25519Key.from_private_key_file(bad_key_file)}),
):
    try:
        connect(**auth).close()
        results[name] = "accepted"
    except paramiko.AuthenticationException:
        results[name] = "refused"

for name, auth in (
    ("password", {"password": password}),
    ("key", {"pkey": paramiko.Ed25519Key.from_private_key_file(key_file)}),
):
    transport = connect(**auth)
    sftp = paramiko.SFTPClient.from_transport(transport)
    # A pipelined uploader that creates directories on demand.
    path = ""
    for part in (name, "a", "b", "c"):
        path = path + "/" + part
        try:
            sftp.stat(path)
        except FileNotFoundError:
            sftp.mkdir(path)
    body = bytes((i * 31) % 251 for i in range(600_000))
    with sftp.open(path + "/data.bin", "wb") as f:
        f.set_pipelined(True)
        for offset in range(0, len(body), 32768):
            f.write(body[offset : offset + 32768])
    with sftp.open(path + "/data.bin", "rb") as f:
        f.prefetch()
        back = f.read()
    results[name] = {
        "same": back == body,
        "listing": sorted(sftp.listdir(path)),
        "size": sftp.stat(path + "/data.bin").st_size,
    }
    sftp.close()
    transport.close()

print(json.dumps(results))
