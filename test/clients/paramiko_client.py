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

# An exclusive create seen from a second connection while the first still writes (sshfs with
# max_conns does this): the name is taken at once, STAT shows the bytes written so far, a second
# exclusive create fails, a listing shows it, and the content is there once it is closed.
key = paramiko.Ed25519Key.from_private_key_file(key_file)
writer_transport, other_transport = connect(pkey=key), connect(pkey=key)
writer = paramiko.SFTPClient.from_transport(writer_transport)
other = paramiko.SFTPClient.from_transport(other_transport)
excl = {}
f = writer.open("/excl.txt", "wx")
f.write(b"x" * 100)
f.flush()
excl["size_while_open"] = other.stat("/excl.txt").st_size
try:
    other.open("/excl.txt", "wx").close()
    excl["second_create"] = "succeeded"
except IOError:
    excl["second_create"] = "refused"
excl["listed"] = "excl.txt" in other.listdir("/")
f.close()
with other.open("/excl.txt", "rb") as g:
    excl["content"] = g.read().decode()
results["excl"] = excl
writer.close()
other.close()
writer_transport.close()
other_transport.close()

print(json.dumps(results))
