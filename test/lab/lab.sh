#!/usr/bin/env bash
# lab.sh - a multi-node SSH cluster lab on ONE Linux host, built from namespaces (run as root).
#
#   lab.sh up N              create node01..nodeNN (1..99); tears down a previous lab first
#   lab.sh down              kill every process in the lab's namespaces, remove all state
#   lab.sh status            one line per node; exit 1 if any node is unhealthy
#   lab.sh fail NODE [MODE [PATH]]
#        MODE sshd   (default) stop the node's sshd          -> "Connection refused"
#             freeze SIGSTOP the node's sshd                   -> "Connection timed out during banner exchange"
#             link   node's veth down, ARP entry flushed       -> "No route to host" (~3 s)
#             drop   node's veth down, static ARP kept         -> "Connection timed out" (connect timeout)
#             ro     remount the node's / (or PATH) read-only  -> EROFS "Read-only file system"
#             full   shrink the node's disk to what it uses    -> ENOSPC "No space left on device"
#   lab.sh heal NODE|all     undo every fault (restarts sshd / rebuilds the node's namespaces if needed)
#   lab.sh exec NODE CMD...  run CMD inside NODE (its net+mount+UTS namespaces), without ssh
#   lab.sh path NODE [PATH]  admin-side path of what NODE itself wrote at PATH (its overlay upper dir)
#   lab.sh env               print the sourceable env file (PDSH_*, WCOLL, RSYNC_RSH, LAB_*)
#
# Design (details in README.md beside this file):
#   admin node = the root namespaces; bridge $LAB_BRIDGE holds $LAB_SUBNET.1/24.
#   node NN    = netns "nodeNN" (veth lab-nodeNN <-> eth0, address $LAB_SUBNET.(10+NN))
#              + private mount+UTS namespaces owned by a "holder" process (sleep) whose root is an
#                overlayfs: lower = host "/", upper = a per-node tmpfs ($LAB_DISK_SIZE). Anything a
#                node writes, at ANY path, is private to it and visible on the admin side under
#                $LAB_DIR/nodes/nodeNN/disk/upper/<path>. /tmp and /root start empty (opaque).
#              + its own sshd (config, host key, authorized_keys in the node's /run/lab, which is
#                $LAB_DIR/nodes/nodeNN/sys on the admin side); key-only root login.
#   The admin side's ssh settings live only in $LAB_DIR (ssh_config, known_hosts, keys/): ~/.ssh is
#   never read or written when ssh is run with -F $LAB_DIR/ssh_config.
#
# Knobs (environment): LAB_DIR=/tmp/lab LAB_SUBNET=10.231.0 LAB_BRIDGE=labbr0 LAB_DISK_SIZE=256m
#                      LAB_NS_PREFIX= (<=4 chars [a-z0-9]: netns "<p>node01", veth "lab<p>-node01",
#                      bridge "labbr<p>"; with distinct LAB_DIR and LAB_SUBNET several labs coexist)
#                      LAB_ETC_HOSTS=1 (add a marked block to /etc/hosts; 0 = don't) LAB_QUIET=
#                      LAB_FAST_KEX=0 (1: ssh_config uses curve25519-sha256, ~25% faster connects)
set -Eeuo pipefail
trap 'echo "lab.sh: line $LINENO: command failed: $BASH_COMMAND" >&2' ERR

LAB_DIR=${LAB_DIR:-/tmp/lab}
LAB_SUBNET=${LAB_SUBNET:-10.231.0}
LAB_NS_PREFIX=${LAB_NS_PREFIX:-}
case $LAB_NS_PREFIX in *[!a-z0-9]*) echo "lab.sh: LAB_NS_PREFIX must be [a-z0-9]*" >&2; exit 1 ;; esac
[ ${#LAB_NS_PREFIX} -le 4 ] || { echo "lab.sh: LAB_NS_PREFIX is at most 4 characters" >&2; exit 1; }
LAB_BRIDGE=${LAB_BRIDGE:-labbr${LAB_NS_PREFIX:-0}}
LAB_DISK_SIZE=${LAB_DISK_SIZE:-256m}
LAB_ETC_HOSTS=${LAB_ETC_HOSTS:-1}
LAB_FAST_KEX=${LAB_FAST_KEX:-0}
SSHD=/usr/sbin/sshd
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export LC_ALL=C

die() { echo "lab.sh: $*" >&2; exit 1; }
log() { [ -n "${LAB_QUIET:-}" ] || echo "lab.sh: $*" >&2; }

check_tools() {
  local missing=() t
  for t in ip nsenter unshare setsid pivot_root mount umount flock find ssh ssh-keygen \
           "$SSHD" pdsh pdcp rsync; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  command -v setfattr >/dev/null 2>&1 || command -v python3 >/dev/null 2>&1 || missing+=(setfattr)
  [ ${#missing[@]} -eq 0 ] || die "missing: ${missing[*]} -- apt-get install -y openssh-server openssh-client pdsh rsync iproute2 attr"
  grep -qw overlay /proc/filesystems || die "kernel has no overlayfs"
  [ -d /sys/class/net ] && ip link add lab-probe0 type bridge 2>/dev/null && ip link del lab-probe0 \
    || die "cannot create a bridge (kernel without CONFIG_BRIDGE, or not privileged)"
}

# ---------- naming (no forks) ----------
nv() { # idx -> NAME NS IP D VETH   (NS/VETH carry LAB_NS_PREFIX so that several labs can coexist)
  printf -v NAME 'node%02d' "$1"
  NS=$LAB_NS_PREFIX$NAME
  IP=$LAB_SUBNET.$((10 + $1)); D=$LAB_DIR/nodes/$NAME; VETH=lab$LAB_NS_PREFIX-$NAME
}
node_index() { # "node03" | "3" | "03" | "10.231.0.13" -> IDX=3 (no subshell: die must exit lab.sh)
  local a=${1:-} i
  case $a in
    "$LAB_SUBNET".*) i=$(( ${a##*.} - 10 )) ;;
    node[0-9]*) i=$((10#${a#node})) ;;
    ''|*[!0-9]*) die "bad node name: '$a'" ;;
    *) i=$((10#$a)) ;;
  esac
  [ "$i" -ge 1 ] && [ "$i" -le "$N" ] || die "no such node: $a (lab has $N nodes)"
  IDX=$i
}
load_state() { [ -f "$LAB_DIR/state" ] || return 1; . "$LAB_DIR/state"; }

# alive = exists and is not a zombie. Orphans are reparented to PID 1; a PID 1 that reaps lazily
# (as on this VM) leaves zombies for seconds, and 'kill -0' reports a zombie as alive.
pid_alive() {
  local st
  [ -n "${1:-}" ] && { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }; st=${st%% *}
  [ "$st" != Z ] && [ "$st" != X ]
}
read_pid() { local p=""; [ -s "$1" ] && read -r p <"$1"; echo "$p"; }

# all processes living in any of the given node netns (i.e. started by this lab)
netns_pids() { # idx...
  local i files=()
  for i in "$@"; do nv "$i"; [ -e "/run/netns/$NS" ] && files+=("/run/netns/$NS"); done
  [ ${#files[@]} -gt 0 ] || return 0
  local ids; ids=$(stat -L -c 'net:[%i]' "${files[@]}")
  { find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%h %l\n' 2>/dev/null || true; } \
    | awk -v ids="$ids" 'BEGIN{n=split(ids,a,"\n"); for(i=1;i<=n;i++) w[a[i]]=1}
                         ($2 in w){split($1,p,"/"); print p[3]}'
}
# a recorded pid is still one of ours if its root is a node root of this lab (its /run/lab is
# that node's sys dir) - covers the case where someone deleted the netns file under us
recorded_pids() { # idx...
  local i p
  for i in "$@"; do
    nv "$i"
    for p in $(read_pid "$D/sys/holder.pid") $(read_pid "$D/sys/sshd.pid") $(read_pid "$D/sys/sshd.launch"); do
      pid_alive "$p" && grep -qs "^# generated by lab.sh for $NAME " "/proc/$p/root/run/lab/sshd_config" && echo "$p"
    done
  done
  return 0
}
kill_pids() { # pid... : TERM (+CONT for stopped ones), wait <=2 s, then KILL
  [ $# -gt 0 ] || return 0
  kill -TERM "$@" 2>/dev/null || true
  kill -CONT "$@" 2>/dev/null || true
  local t p left
  for t in $(seq 40); do
    left=(); for p in "$@"; do pid_alive "$p" && left+=("$p"); done
    [ ${#left[@]} -gt 0 ] || return 0
    sleep 0.05
  done
  kill -KILL "${left[@]}" 2>/dev/null || true
}

# ---------- /etc/hosts block (rewritten in place: /etc/hosts may be a bind mount) ----------
HOSTS_MARK="lab.sh $LAB_DIR"
etc_hosts_remove() {
  [ -w /etc/hosts ] && grep -qF "# BEGIN $HOSTS_MARK" /etc/hosts || return 0
  local tmp; tmp=$(mktemp)
  awk -v b="# BEGIN $HOSTS_MARK" -v e="# END $HOSTS_MARK" '$0==b{s=1;next} $0==e{s=0;next} !s' /etc/hosts >"$tmp"
  cat "$tmp" >/etc/hosts; rm -f "$tmp"
}
etc_hosts_add() {
  [ "$LAB_ETC_HOSTS" = 1 ] || return 0
  etc_hosts_remove
  { echo "# BEGIN $HOSTS_MARK"; cat "$LAB_DIR/etc_hosts"; echo "# END $HOSTS_MARK"; } >>/etc/hosts
}

# ---------- a node ----------
# The holder enters the node netns, unshares mount+UTS, mounts the overlay root and /proc /dev /sys
# /run, pivots into it and sleeps. Its namespaces ARE the node; sshd and 'exec' join them.
HOLDER_SCRIPT='
set -e
name=$1; d=$2; M=$d/root
echo "$name" >/proc/sys/kernel/hostname
mount -t overlay overlay -o "lowerdir=/,upperdir=$d/disk/upper,workdir=$d/disk/work" "$M"
mount -t proc proc "$M/proc"
mount --rbind /dev "$M/dev"
mount -t sysfs sysfs "$M/sys"
mount -t tmpfs -o mode=0755,size=16m tmpfs "$M/run"
mkdir -m 0755 "$M/run/sshd" "$M/run/lab"
mount --bind "$d/sys" "$M/run/lab"
cd "$M"
pivot_root . .
umount -l .
cd /
: >/run/lab/holder.ready
exec sleep infinity
'
start_holder() { # idx   (fd 9 = the lab lock: never let daemons inherit it)
  nv "$1"
  rm -f "$D/sys/holder.ready"
  setsid nsenter --net="/run/netns/$NS" -- unshare --mount --uts --propagation private -- \
    /bin/sh -c "$HOLDER_SCRIPT" holder "$NAME" "$D" </dev/null >>"$D/sys/holder.log" 2>&1 9>&- &
  echo $! >"$D/sys/holder.pid"
}
wait_holder() { # idx
  nv "$1"
  local hp t=200; hp=$(read_pid "$D/sys/holder.pid")
  while [ ! -e "$D/sys/holder.ready" ]; do
    pid_alive "$hp" && [ $((t -= 1)) -gt 0 ] || { cat "$D/sys/holder.log" >&2; die "$NAME: holder failed"; }
    sleep 0.05
  done
}
start_sshd() { # idx   (-D: stays in the foreground of its setsid session; we know its pid)
  nv "$1"
  local hp; hp=$(read_pid "$D/sys/holder.pid")
  rm -f "$D/sys/sshd.pid"
  setsid nsenter -t "$hp" -n -m -u -r -w -- "$SSHD" -D -f /run/lab/sshd_config -E /run/lab/sshd.log \
    </dev/null >>"$D/sys/sshd.out" 2>&1 9>&- &
  echo $! >"$D/sys/sshd.launch"
}
wait_sshd() { # idx   sshd writes its PidFile only after its listen socket is bound
  nv "$1"
  local sp t=200; sp=$(read_pid "$D/sys/sshd.launch")
  while [ ! -s "$D/sys/sshd.pid" ]; do
    pid_alive "$sp" && [ $((t -= 1)) -gt 0 ] || {
      tail -n 5 "$D/sys/sshd.log" "$D/sys/sshd.out" >&2 || true; die "$NAME: sshd did not start"; }
    sleep 0.05
  done
}
opaque() { # overlay upper dir -> hides the lower dir's content
  if command -v setfattr >/dev/null 2>&1; then setfattr -n trusted.overlay.opaque -v y "$1"
  else python3 -c 'import os,sys; os.setxattr(sys.argv[1], "trusted.overlay.opaque", b"y")' "$1"; fi
}

setup_node() { # idx  -- runs in parallel with the other nodes: writes only under its own $D
  nv "$1"
  mkdir -p "$D/sys" "$D/disk" "$D/root"; chmod 0700 "$D/sys"
  mount -t tmpfs -o "size=$LAB_DISK_SIZE,mode=0755" "lab-$NAME" "$D/disk"
  mkdir -p "$D/disk/upper/etc" "$D/disk/upper/tmp" "$D/disk/upper/root" "$D/disk/work"
  chmod 1777 "$D/disk/upper/tmp"; chmod 0700 "$D/disk/upper/root"
  # /tmp and /root are opaque: a node sees neither the admin's /tmp nor /root (whose .bashrc
  # may run slow things such as 'pyenv init' on every ssh command); /root gets /etc/skel files.
  opaque "$D/disk/upper/tmp"; opaque "$D/disk/upper/root"
  cp /etc/skel/.bashrc /etc/skel/.profile "$D/disk/upper/root/" 2>/dev/null || true
  head -c 4096 /dev/zero >"$D/disk/.reserve"   # 'fail full' sets size=used; size=0 would mean unlimited
  echo "$NAME" >"$D/disk/upper/etc/hostname"
  # OpenSSH with UsePAM=no refuses an account whose password field starts with "!": unlock root
  # on this node only (the edited copy lives in the node's upper layer).
  if awk -F: '$1=="root"{f=1; exit !($2 ~ /^!/)} END{if(!f) exit 1}' /etc/shadow; then
    awk -F: 'BEGIN{OFS=":"} $1=="root"{$2="*"} 1' /etc/shadow >"$D/disk/upper/etc/shadow"
    chmod 0640 "$D/disk/upper/etc/shadow"; chgrp shadow "$D/disk/upper/etc/shadow" 2>/dev/null || true
  fi
  ssh-keygen -q -t ed25519 -N '' -C "$NAME" -f "$D/sys/ssh_host_ed25519_key"
  install -m 0600 "$LAB_DIR/keys/id_ed25519.pub" "$D/sys/authorized_keys"
  cat >"$D/sys/sshd_config" <<EOF
# generated by lab.sh for $NAME ($IP); inside the node /run/lab = $D/sys
Port 22
ListenAddress 0.0.0.0
AddressFamily inet
HostKey /run/lab/ssh_host_ed25519_key
PidFile /run/lab/sshd.pid
AuthorizedKeysFile /run/lab/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
StrictModes yes
PrintMotd no
PrintLastLog no
X11Forwarding no
MaxStartups 64:30:256
MaxSessions 64
Subsystem sftp internal-sftp
AcceptEnv LANG LC_*
LogLevel INFO
$SSHD_EXTRA
EOF
  local kt kb fp
  read -r kt kb _ <"$D/sys/ssh_host_ed25519_key.pub"
  fp=$(ssh-keygen -l -f "$D/sys/ssh_host_ed25519_key.pub"); fp=${fp#* }; fp=${fp%% *}
  echo "$NAME,$IP $kt $kb" >"$D/sys/known_hosts.part"
  printf '%s\t%s\t22\t%s\t%s\n' "$NAME" "$IP" "$D/disk/upper" "$fp" >"$D/sys/inventory.part"
  start_holder "$1"
}

# ---------- subcommands ----------
cmd_up() {
  local n=${1:-} i
  case $n in ''|*[!0-9]*) die "usage: lab.sh up N" ;; esac
  [ "$n" -ge 1 ] && [ "$n" -le 99 ] || die "N must be 1..99"
  check_tools
  cmd_down_quiet
  # refuse to touch anything we did not create
  [ ! -e "$LAB_DIR" ] || die "$LAB_DIR exists but holds no lab state; remove it or set LAB_DIR"
  ! ip link show "$LAB_BRIDGE" >/dev/null 2>&1 || die "link $LAB_BRIDGE already exists; set LAB_BRIDGE"
  ! ip -4 route show | grep -q "^$LAB_SUBNET\.0/24 " || die "$LAB_SUBNET.0/24 already routed here; set LAB_SUBNET"
  for i in $(seq 1 "$n"); do
    nv "$i"
    [ ! -e "/run/netns/$NS" ] || die "netns $NS already exists (not ours)"
    ! ip link show "$VETH" >/dev/null 2>&1 || die "link $VETH already exists (not ours)"
  done
  N=$n
  mkdir -p "$LAB_DIR"/{keys,nodes,bin}
  # state first, so that 'down' can always undo a half-done 'up'
  printf 'N=%s\nLAB_SUBNET=%s\nLAB_BRIDGE=%s\nLAB_NS_PREFIX=%s\nLAB_DISK_SIZE=%s\nLAB_ETC_HOSTS=%s\nLAB_FAST_KEX=%s\n' \
    "$N" "$LAB_SUBNET" "$LAB_BRIDGE" "$LAB_NS_PREFIX" "$LAB_DISK_SIZE" "$LAB_ETC_HOSTS" "$LAB_FAST_KEX" >"$LAB_DIR/state"
  ssh-keygen -q -t ed25519 -N '' -C lab-admin -f "$LAB_DIR/keys/id_ed25519"
  # options newer than Debian 12's OpenSSH 9.2 only when this sshd knows them (>= 9.8 would
  # otherwise penalise the admin address after repeated failures: PerSourcePenalties)
  SSHD_EXTRA=""
  local probe
  probe=$("$SSHD" -t -f /dev/null -o HostKey="$LAB_DIR/keys/id_ed25519" -o PerSourcePenalties=no 2>&1 || true)
  case $probe in *"Bad configuration option"*) ;; *) SSHD_EXTRA="PerSourcePenalties no" ;; esac
  # network: one bridge, N netns, N veth pairs (batched: ip is ~10 ms a spawn here)
  ip link add "$LAB_BRIDGE" type bridge
  ip link set "$LAB_BRIDGE" type bridge nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0 2>/dev/null || true
  ip addr add "$LAB_SUBNET.1/24" dev "$LAB_BRIDGE"
  ip link set "$LAB_BRIDGE" up
  { for i in $(seq 1 "$N"); do nv "$i"; echo "netns add $NS"; done
    for i in $(seq 1 "$N"); do nv "$i"
      echo "link add $VETH type veth peer name eth0 netns $NS"
      echo "link set $VETH master $LAB_BRIDGE up"; done; } | ip -batch -
  for i in $(seq 1 "$N"); do
    nv "$i"
    printf 'addr add %s/24 dev eth0\nlink set lo up\nlink set eth0 up\n' "$IP" | ip -n "$NS" -batch -
  done
  # filesystems, keys, configs, holders: in parallel
  local pids=() fail=0
  for i in $(seq 1 "$N"); do setup_node "$i" & pids+=($!); done
  for i in "${pids[@]}"; do wait "$i" || fail=1; done
  [ $fail = 0 ] || die "node setup failed (run 'lab.sh down')"
  for i in $(seq 1 "$N"); do wait_holder "$i"; start_sshd "$i"; done
  for i in $(seq 1 "$N"); do wait_sshd "$i"; done
  write_admin_files
  etc_hosts_add
  log "up: $N nodes (node01..$NAME) on $LAB_SUBNET.0/24; admin $LAB_SUBNET.1; . $LAB_DIR/env"
}

write_admin_files() {
  local i
  : >"$LAB_DIR/known_hosts"; : >"$LAB_DIR/hosts"
  printf '#name\tip\tport\tupperdir\thostkey_sha256\n' >"$LAB_DIR/inventory.tsv"
  echo "$LAB_SUBNET.1 lab-admin" >"$LAB_DIR/etc_hosts"
  { echo "# generated by lab.sh: ssh -F $LAB_DIR/ssh_config nodeNN"
    for i in $(seq 1 "$N"); do nv "$i"; printf 'Host %s\n  HostName %s\n' "$NAME" "$IP"; done
    cat <<EOF
Host node* $LAB_SUBNET.*
  User root
  Port 22
  IdentityFile $LAB_DIR/keys/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $LAB_DIR/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  ConnectTimeout 5
  ServerAliveInterval 5
  ServerAliveCountMax 2
  LogLevel ERROR
EOF
    # OpenSSH 9.x's default kex sntrup761x25519 costs ~90 ms of client CPU per connection here
    [ "$LAB_FAST_KEX" != 1 ] || echo "  KexAlgorithms curve25519-sha256"
  } >"$LAB_DIR/ssh_config"
  for i in $(seq 1 "$N"); do
    nv "$i"
    cat "$D/sys/known_hosts.part" >>"$LAB_DIR/known_hosts"
    cat "$D/sys/inventory.part" >>"$LAB_DIR/inventory.tsv"
    echo "$NAME" >>"$LAB_DIR/hosts"
    echo "$IP $NAME" >>"$LAB_DIR/etc_hosts"
  done
  local t
  for t in ssh scp sftp; do
    printf '#!/bin/sh\nexec /usr/bin/%s -F %s "$@"\n' "$t" "$LAB_DIR/ssh_config" >"$LAB_DIR/bin/$t"
    chmod 0755 "$LAB_DIR/bin/$t"
  done
  cat >"$LAB_DIR/env" <<EOF
# . $LAB_DIR/env     (generated by lab.sh)
export LAB_DIR=$LAB_DIR
export LAB_NODES="$(tr '\n' ' ' <"$LAB_DIR/hosts" | sed 's/ $//')"
export LAB_NODE_RANGE="node[01-$(printf %02d "$N")]"
export LAB_SSH_CONFIG=$LAB_DIR/ssh_config
export LAB_SSH_KEY=$LAB_DIR/keys/id_ed25519
export LAB_KNOWN_HOSTS=$LAB_DIR/known_hosts
export LAB_INVENTORY=$LAB_DIR/inventory.tsv
export WCOLL=$LAB_DIR/hosts
export PDSH_RCMD_TYPE=ssh
export PDSH_SSH_ARGS_APPEND="-F $LAB_DIR/ssh_config"
export RSYNC_RSH="ssh -F $LAB_DIR/ssh_config"
EOF
}

cmd_down_quiet() {
  load_state || return 0
  local i mnts=() pids
  pids=$( { netns_pids $(seq 1 "$N"); recorded_pids $(seq 1 "$N"); } | sort -un)
  # shellcheck disable=SC2086
  kill_pids $pids
  { for i in $(seq 1 "$N"); do nv "$i"; echo "link del $VETH"; echo "netns del $NS"; done; } \
    | ip -force -batch - >/dev/null 2>&1 || true
  mapfile -t mnts < <(awk -v p="$LAB_DIR/nodes/" 'index($5, p) == 1 {print $5}' /proc/self/mountinfo)
  [ ${#mnts[@]} -eq 0 ] || umount "${mnts[@]}" 2>/dev/null || umount -l "${mnts[@]}" 2>/dev/null || true
  ip link del "$LAB_BRIDGE" 2>/dev/null || true
  etc_hosts_remove
  ! grep -q " $LAB_DIR/" /proc/self/mountinfo || die "mounts remain under $LAB_DIR; not deleting it"
  rm -rf --one-file-system "$LAB_DIR"
}
cmd_down() {
  [ -f "$LAB_DIR/state" ] || { log "down: no lab at $LAB_DIR"; return 0; }
  cmd_down_quiet
  log "down: removed lab at $LAB_DIR"
}

cmd_status() {
  load_state || { echo "no lab at $LAB_DIR"; return 1; }
  local i hp sp link port bad=0 used size faults
  printf '%-7s %-12s %-7s %-8s %-5s %-6s %-17s %s\n' NODE IP HOLDER SSHD LINK PORT22 DISK_USED/SIZE FAULTS
  for i in $(seq 1 "$N"); do
    nv "$i"
    hp=$(read_pid "$D/sys/holder.pid"); sp=$(read_pid "$D/sys/sshd.pid")
    pid_alive "$hp" && hp=up || hp=DOWN
    if pid_alive "$sp"; then
      [ "$(awk '/^State:/{print $2}' "/proc/$sp/status" 2>/dev/null)" = T ] && sp=STOPPED || sp=up
    else sp=DOWN; fi
    link=$(ip -br link show "$VETH" 2>/dev/null | awk '{print $2}'); link=${link:-none}
    if timeout 1 bash -c "exec 3<>/dev/tcp/$IP/22" 2>/dev/null; then port=open; else port=closed; fi
    read -r size used < <(df -k --output=size,used "$D/disk" 2>/dev/null | tail -n 1) || true
    faults=-; [ -s "$D/sys/faults" ] && faults=$(sort -u "$D/sys/faults" | paste -sd, -)
    printf '%-7s %-12s %-7s %-8s %-5s %-6s %-17s %s\n' "$NAME" "$IP" "$hp" "$sp" "$link" "$port" \
      "${used:-?}k/${size:-?}k" "$faults"
    [ "$hp$sp$port" = upupopen ] || bad=1
  done
  return $bad
}

node_nsenter() { # idx -> runs "$@" in the node
  local i=$1; shift; nv "$i"
  local hp; hp=$(read_pid "$D/sys/holder.pid")
  pid_alive "$hp" || die "$NAME: holder not running (lab.sh heal $NAME)"
  nsenter -t "$hp" -n -m -u -r -w -- "$@"
}

cmd_fail() {
  load_state || die "no lab at $LAB_DIR"
  local i mode=${2:-sshd} path=${3:-/} sp mac used
  node_index "${1:-}"; i=$IDX; nv "$i"
  sp=$(read_pid "$D/sys/sshd.pid")
  case $mode in
    sshd)
      if pid_alive "$sp"; then kill_pids "$sp"; fi
      rm -f "$D/sys/sshd.pid" ;;
    freeze)
      pid_alive "$sp" || die "$NAME: sshd not running"
      kill -STOP "$sp" ;;
    link)
      ip link set "$VETH" down
      ip neigh del "$IP" dev "$LAB_BRIDGE" 2>/dev/null || true ;;
    drop)
      mac=$(ip -n "$NS" -br link show eth0 | awk '{print $3}')
      ip link set "$VETH" down
      ip neigh replace "$IP" lladdr "$mac" nud permanent dev "$LAB_BRIDGE" ;;
    ro)
      if [ "$path" = / ]; then node_nsenter "$i" mount -o remount,ro /
      else node_nsenter "$i" sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"' ro "$path"; fi
      mode="ro:$path" ;;
    full)
      used=$(df -k --output=used "$D/disk" | tail -n 1 | tr -d ' ')
      mount -o "remount,size=$(( used > 4 ? used : 4 ))k" "$D/disk" ;;
    *) die "unknown fail mode: $mode (sshd|freeze|link|drop|ro|full)" ;;
  esac
  echo "$mode" >>"$D/sys/faults"
  log "fail: $NAME $mode"
}

heal_one() { # idx
  local i=$1 hp sp f
  nv "$i"
  ip link set "$VETH" up 2>/dev/null || true
  ip neigh del "$IP" dev "$LAB_BRIDGE" 2>/dev/null || true
  mount -o "remount,size=$LAB_DISK_SIZE" "$D/disk" 2>/dev/null || true
  hp=$(read_pid "$D/sys/holder.pid")
  if ! pid_alive "$hp"; then
    # the node's namespaces are gone: kill what is left in its netns, rebuild on the same disk
    # shellcheck disable=SC2046
    kill_pids $( { netns_pids "$i"; recorded_pids "$i"; } | sort -un)
    start_holder "$i"; wait_holder "$i"
  elif [ -s "$D/sys/faults" ]; then
    while read -r f; do
      case $f in
        ro:/) node_nsenter "$i" mount -o remount,rw / ;;
        ro:*) node_nsenter "$i" umount "${f#ro:}" 2>/dev/null || true ;;
      esac
    done < <(sort -u "$D/sys/faults")
  fi
  nv "$i"
  sp=$(read_pid "$D/sys/sshd.pid")
  if pid_alive "$sp"; then kill -CONT "$sp"; else start_sshd "$i"; wait_sshd "$i"; fi
  rm -f "$D/sys/faults"
  log "heal: $NAME ok"
}
cmd_heal() {
  load_state || die "no lab at $LAB_DIR"
  local i
  if [ "${1:-}" = all ]; then for i in $(seq 1 "$N"); do heal_one "$i"; done
  else node_index "${1:-}"; i=$IDX; heal_one "$i"; fi
}

cmd_exec() {
  load_state || die "no lab at $LAB_DIR"
  local i; node_index "${1:-}"; i=$IDX; shift
  [ $# -gt 0 ] || die "usage: lab.sh exec NODE CMD..."
  nv "$i"
  local hp; hp=$(read_pid "$D/sys/holder.pid")
  pid_alive "$hp" || die "$NAME: holder not running (lab.sh heal $NAME)"
  exec nsenter -t "$hp" -n -m -u -r -w -- "$@"
}

cmd_path() {
  load_state || die "no lab at $LAB_DIR"
  local i p=${2:-/}; node_index "${1:-}"; i=$IDX; nv "$i"
  echo "$D/disk/upper${p%/}"
}

main() {
  local cmd=${1:-}; shift || true
  case $cmd in
    up|down|fail|heal|status|exec|path) [ "$(id -u)" = 0 ] || die "must run as root" ;;
  esac
  case $cmd in
    up|down|fail|heal)
      exec 9>"$LAB_DIR.lock"; flock -w 300 9 || die "lab is locked ($LAB_DIR.lock)"
      "cmd_$cmd" "$@" ;;
    status) cmd_status "$@" || exit 1 ;;   # '||': a non-zero status is an answer, not an error
    exec|path) "cmd_$cmd" "$@" ;;
    env) cat "$LAB_DIR/env" ;;
    -h|--help|help|'') awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0" ;;
    *) die "unknown command: $cmd (try lab.sh help)" ;;
  esac
}
main "$@"
