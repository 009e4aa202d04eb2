#!/usr/bin/env bash
# Run on the Vagrant admin VM (as root) after `vagrant up` and
# `vagrant provision admin --provision-with keyscan`: one-shot sync of the accounts files to every
# node, then the live daemon.
set -Eeuo pipefail
RULES=/vagrant-src/rules/hpc-accounts.rules
clsync-hpc -R "$RULES" -H /etc/clsync-hpc-nodes.txt -W /etc --known-hosts /etc/clsync-hpc-known_hosts \
  --once --report - | head -n 40
exec clsync-hpc -R "$RULES" -H /etc/clsync-hpc-nodes.txt -W /etc --known-hosts /etc/clsync-hpc-known_hosts
