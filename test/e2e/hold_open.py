"""Opens a file over SFTP with paramiko, writes to it, and keeps it open until told to close.

Usage: hold_open.py PORT USER KEYFILE REMOTE_PATH
Prints "open" once data is written, then waits for a line on stdin, closes, prints "closed".
The end-to-end test uses it to watch a real client's handle live in the UI.
"""
import sys

import paramiko

port, user, key_file, remote = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
client = paramiko.SSHClient()
client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
client.connect("127.0.0.1", port=port, username=user, key_filename=key_file,
               look_for_keys=False, allow_agent=False)
sftp = client.open_sftp()
handle = sftp.open(remote, "wb")
chunk = bytes(range(256)) * 4096  # 1 MiB
for _ in range(3):
    handle.write(chunk)
handle.flush()
print("open", flush=True)
sys.stdin.readline()
handle.close()
print("closed", flush=True)
sftp.close()
client.close()
