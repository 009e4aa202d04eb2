# clsync-hpc apply script: applies one batch on one node from the stage directory it lives in.
# Needs a POSIX sh and GNU coreutils >= 8.24 (cp -T, mv -T, sha256sum, sync -f, touch -d @) and xargs -0.
# The source of truth is this file; apply-script.ts is generated from it (see apply-script.test.ts).
#
#   sh <stage>/apply.sh [ROOT]
#
# <stage> is named .clsync-hpc.[<job>.]<batch>.<nonce> and holds manifest, meta, sums and the content of
# change n as file <n>, all at its top level (see stage-plan.ts). ROOT (local transport only) is prefixed to every destination path.
# Prints one result line, always last, and nothing else on stdout:
#   CLSYNC-HPC <batch> OK
#   CLSYNC-HPC <batch> ERR <class> <change n|-> <text>        class: remote-io | validation | other
# preceded by `CLSYNC-HPC <batch> NOTE <n> <text>` for non-empty directories left in place.
#
# Order: verify every staged file's sha256 (pdcp writes in place and leaves garbage on ENOSPC);
# pass 1 applies deletes and mkdirs and writes every file and symlink to a temp name next to its
# target (.<name>.clsync-hpc.<batch>); sync -f (syncfs) where temps were written; pass 2 renames
# the temps over the targets in order and applies meta changes. The first failure stops the run,
# removes every temp file, and leaves every old target intact. The stage directory is removed on
# every exit. Cost on the node: about two processes (cp, mv) per written file.

LC_ALL=C
export LC_ALL
umask 022
# A dropped connection must not stop the apply half-way: finish (or clean up) regardless.
trap '' HUP PIPE

case $0 in */*) stage=${0%/*} ;; *) stage=. ;; esac
case $stage in /*) ;; *) stage=$PWD/$stage ;; esac
batch=-
case ${stage##*/} in
  .clsync-hpc.?*) ;;
  *) printf 'CLSYNC-HPC - ERR other - apply.sh runs only from a .clsync-hpc.* stage directory\n'; exit 2 ;;
esac
root=${1-}
# Named .clsync-hpc.<job>.<batch>.<nonce>: remove the stages the job left next to this one. A run
# killed (kill -9) while pdcp was copying leaves its stage, never applied and never removed. No
# other run of the job can be using one (it holds the job's lock on the admin node); an apply that
# outlived its pdsh timeout and is still copying from its stage fails and cleans up after itself
# (its host was already reported failed, so its batch is sent again).
name=${stage##*/}
rest=${name#.clsync-hpc.}
case $rest in
  *.*.*)
    for old in "${stage%/*}/.clsync-hpc.${rest%%.*}".*; do
      [ "$old" = "$stage" ] || [ ! -d "$old" ] || rm -rf -- "$old"
    done ;;
esac
tmps=$stage/.tmps
syncs=$stage/.syncs
kept=
finished=no

# Remove this batch's temp files (unless every one was renamed) and the stage directory.
cleanup() {
  cd / || :
  if [ "$finished" != yes ] && [ -s "$tmps" ]; then xargs -0 rm -f -- <"$tmps" 2>/dev/null; fi
  rm -rf -- "$stage"
}

# fail CLASS N TEXT: clean up, report, stop.
fail() {
  cls=$1 n=$2
  shift 2
  msg=$(printf '%s' "$*" | tr '\n\r\t' '   ')
  trap - EXIT
  cleanup
  printf 'CLSYNC-HPC %s ERR %s %s %s\n' "$batch" "$cls" "$n" "$msg"
  exit 1
}

trap 'cleanup' EXIT
trap 'fail other - "apply interrupted by a signal"' TERM INT

# decode FIELD -> $v (printf %b turns \0ooo back into bytes; the _ guards trailing newlines)
decode() {
  case $1 in
    *\\*) v=$(printf '%b_' "$1") && v=${v%_} ;;
    *) v=$1 ;;
  esac
}

# target FIELD N -> $t (absolute destination path), $d (its directory), $tmp (its temp name)
target() {
  decode "$1"
  if [ "$dest" = / ]; then t=$root/$v; else t=$root$dest/$v; fi
  d=${t%/*}
  b=${t##*/}
  # keep the temp name within NAME_MAX (255 bytes); C locale, so ${#b} counts bytes
  if [ $((${#b} + ${#batch} + 13)) -le 255 ]; then tmp=$d/.$b.clsync-hpc.$batch; else tmp=$d/.clsync-hpc.$batch.$2; fi
  [ -n "$d" ] || d=/
}

# number VALUE N: manifest sanity (it was written by us, but it crossed a wire)
number() {
  case $1 in '' | *[!0-9]*) fail validation "$2" "malformed manifest record" ;; esac
}

# open_manifest: header on fd 3, sets $batch and $dest
open_manifest() {
  exec 3<"$stage/manifest" || fail other - "cannot read the manifest in $stage"
  IFS=' ' read -r magic version <&3
  [ "$magic $version" = 'clsync-hpc-manifest 1' ] || fail validation - "not a clsync-hpc manifest (version 1)"
  IFS=' ' read -r key batch <&3
  case $key:$batch in batch:[A-Za-z0-9]*) ;; *) batch=- && fail validation - "manifest has no batch id" ;; esac
  case $batch in *[!A-Za-z0-9._:-]*) batch=- && fail validation - "manifest has a bad batch id" ;; esac
  IFS=' ' read -r key field <&3
  [ "$key" = dest ] || fail validation - "manifest has no destination"
  decode "$field"
  dest=$v
  case $dest in /*) ;; *) fail validation - "destination is not absolute" ;; esac
}

# record_temp FILE N: remember a temp before creating it, so that cleanup can always find it
record_temp() {
  printf '%s\0' "$1" >>"$tmps" || fail remote-io "$2" "cannot record a temp file name in $stage"
}

# parent N: create the missing parent directory of $t (mode 0755 via umask) as a fallback
parent() {
  if [ ! -d "$d" ]; then e=$(mkdir -p -- "$d" 2>&1) || fail remote-io "$1" "$e"; fi
}

not_a_dir() {
  if [ -d "$t" ] && [ ! -L "$t" ]; then fail remote-io "$1" "Is a directory"; fi
}

case $root in '' | /*) ;; *) fail other - "root prefix must be absolute" ;; esac
open_manifest
exec 3<&-

# 1. Content check, before anything on the node changes.
cd "$stage" || fail other - "cannot enter $stage"
if ! e=$(sha256sum -c --quiet --strict sums 2>&1); then
  n=${e%%:*}
  case $n in '' | *[!0-9]*) n=- ;; esac
  fail validation "$n" "content check failed on the node: $e"
fi

# 2. Owner, mode and mtime of the staged content, many files per process; cp -p carries them over.
while IFS=' ' read -r kind value list <&4; do
  [ -n "$kind" ] || continue
  case $list in '' | *[!0-9\ ]*) fail validation - "malformed meta record" ;; esac
  case $kind:$value in
    owner:[0-9]*:[0-9]*) e=$(chown -- "$value" $list 2>&1) ;;
    mode:0[0-7][0-7][0-7][0-7]) e=$(chmod -- "$value" $list 2>&1) ;;
    mtime:[0-9-]*.[0-9][0-9][0-9]) e=$(touch -c -d "@$value" -- $list 2>&1) ;;
    *) fail validation - "malformed meta record" ;;
  esac || fail remote-io - "$e"
done 4<"$stage/meta"
cd / || fail other - "cannot enter /"
me=$(id -u):$(id -g)

# 3. The destination root itself.
if [ "$dest" = / ]; then top=$root/; else top=$root$dest; fi
if [ ! -d "$top" ]; then e=$(mkdir -p -- "$top" 2>&1) || fail remote-io - "$e"; fi

# 4. Pass 1: deletes, mkdirs, and every new file and symlink under its temp name.
open_manifest
count=0
ended=no
synced=
while IFS=' ' read -r op n mode uid gid mtime pf tf <&3; do
  if [ "$op" = end ]; then
    [ "$n" = "$count" ] && ended=yes
    break
  fi
  number "$n" -
  count=$((count + 1))
  case $op in
    write)
      target "$pf" "$n"
      not_a_dir "$n"
      parent "$n"
      record_temp "$tmp" "$n"
      e=$(cp -pT --remove-destination -- "$stage/$n" "$tmp" 2>&1) || fail remote-io "$n" "$e"
      if [ "$d" != "$synced" ]; then
        printf '%s\0' "$d" >>"$syncs" || fail remote-io "$n" "cannot record a directory name in $stage"
        synced=$d
      fi
      ;;
    symlink)
      number "$uid" "$n"
      number "$gid" "$n"
      target "$pf" "$n"
      not_a_dir "$n"
      parent "$n"
      decode "$tf"
      record_temp "$tmp" "$n"
      e=$(ln -sfT -- "$v" "$tmp" 2>&1) || fail remote-io "$n" "$e"
      if [ "$uid:$gid" != "$me" ]; then e=$(chown -h -- "$uid:$gid" "$tmp" 2>&1) || fail remote-io "$n" "$e"; fi
      ;;
    mkdir)
      number "$uid" "$n"
      number "$gid" "$n"
      target "$pf" "$n"
      if [ -L "$t" ] || { [ -e "$t" ] && [ ! -d "$t" ]; }; then e=$(rm -f -- "$t" 2>&1) || fail remote-io "$n" "$e"; fi
      if [ ! -d "$t" ]; then e=$(mkdir -p -- "$t" 2>&1) || fail remote-io "$n" "$e"; fi
      e=$(chown -- "$uid:$gid" "$t" 2>&1) || fail remote-io "$n" "$e"
      e=$(chmod -- "$mode" "$t" 2>&1) || fail remote-io "$n" "$e"
      ;;
    delete)
      target "$pf" "$n"
      if [ -d "$t" ] && [ ! -L "$t" ]; then
        if ! e=$(rmdir -- "$t" 2>&1); then
          case $e in
            *'Directory not empty'*) kept="$kept $n" ;;
            *'No such file or directory'*) ;;
            *) fail remote-io "$n" "$e" ;;
          esac
        fi
      elif [ -e "$t" ] || [ -L "$t" ]; then
        e=$(rm -f -- "$t" 2>&1) || fail remote-io "$n" "$e"
      fi
      ;;
    meta-file | meta-dir | meta-link) ;;
    *) fail validation "$n" "unknown manifest operation" ;;
  esac
done
[ "$ended" = yes ] || fail validation - "manifest is truncated"
exec 3<&-

# 5. Make the new contents durable before any of them replaces an old file: one syncfs per
#    directory written to (sync -f), not one fsync per file (20,000 fsyncs take minutes on disks).
if [ -s "$syncs" ]; then e=$(xargs -0 sync -f -- <"$syncs" 2>&1) || fail remote-io - "$e"; fi

# 6. Pass 2: rename every temp over its target (rename(2): readers see old or new, never a mix),
#    then metadata-only changes.
open_manifest
while IFS=' ' read -r op n mode uid gid mtime pf tf <&3; do
  case $op in
    end) break ;;
    write | symlink)
      target "$pf" "$n"
      e=$(mv -fT -- "$tmp" "$t" 2>&1) || fail remote-io "$n" "$e"
      ;;
    meta-file | meta-dir)
      target "$pf" "$n"
      e=$(chown -- "$uid:$gid" "$t" 2>&1) || fail remote-io "$n" "$e"
      e=$(chmod -- "$mode" "$t" 2>&1) || fail remote-io "$n" "$e"
      if [ "$op" = meta-file ]; then e=$(touch -c -d "@$mtime" -- "$t" 2>&1) || fail remote-io "$n" "$e"; fi
      ;;
    meta-link)
      target "$pf" "$n"
      e=$(chown -h -- "$uid:$gid" "$t" 2>&1) || fail remote-io "$n" "$e"
      ;;
  esac
done
exec 3<&-

finished=yes
trap - EXIT
cleanup
for n in $kept; do printf 'CLSYNC-HPC %s NOTE %s directory not empty, left in place\n' "$batch" "$n"; done
printf 'CLSYNC-HPC %s OK\n' "$batch"
exit 0
