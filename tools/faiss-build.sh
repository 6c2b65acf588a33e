#!/usr/bin/env bash
# Build FAISS (Debian's own `faiss` source package, same version as the
# installed libfaiss-dev) with AVX2 + OpenBLAS (OpenMP flavour) and the C API,
# as static libraries, into a per-user cache outside the repository.
#
# Usage: tools/faiss-build.sh            build if needed; print the prefix on stdout
#        tools/faiss-build.sh --prefix   print the prefix only (no build)
#        tools/faiss-build.sh --force    rebuild even when cached
#
# Environment: BOLE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/bole),
#              BOLE_FAISS_SIMD=avx2|generic (default: detected),
#              BOLE_JOBS (default 2).
#
# Layout: $BOLE_CACHE/faiss-<debversion>-<simd>/
#           src/      apt-get source download + unpacked tree
#           build/    FAISS's cmake build dir + c_api objects
#           build.log full log of the last build
#           prefix/   include/faiss/... (incl. c_api/*.h), lib/libfaiss_avx2.a
#                     (or libfaiss.a), lib/libfaiss_c.a, BUILDINFO
#           stamp     written last; absent => the build is (re)done
#
# Progress goes to stderr (one line when a build actually happens); stdout
# carries only the prefix path.
set -euo pipefail

# Bump when the recipe changes in a way that needs a rebuild of cached trees.
RECIPE=1

die() { echo "bole: faiss-build: $*" >&2; exit 1; }

mode=build
case "${1:-}" in
  --prefix) mode=prefix ;;
  --force) mode=force ;;
  "") ;;
  -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument: $1" ;;
esac

command -v dpkg-query >/dev/null || die "dpkg-query not found (Debian only)"
status=$(dpkg-query -W -f='${Status}' libfaiss-dev 2>/dev/null || true)
[[ $status == "install ok installed" ]] || die "libfaiss-dev is not installed (run tools/dev build)"
# ${Version} may carry a binNMU suffix (1.7.3-2+b1) that apt-get source does
# not know; the source version is what we fetch and build.
srcver=$(dpkg-query -W -f='${source:Version}' libfaiss-dev)
srcpkg=$(dpkg-query -W -f='${source:Package}' libfaiss-dev)
upver=${srcver#*:}; upver=${upver%%-*}

if [[ -n ${BOLE_FAISS_SIMD:-} ]]; then
  simd=$BOLE_FAISS_SIMD
elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo && grep -qw f16c /proc/cpuinfo; then
  simd=avx2
else
  simd=generic
fi
[[ $simd == avx2 || $simd == generic ]] || die "BOLE_FAISS_SIMD must be avx2 or generic"

cache_root=${BOLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bole}
dir=$cache_root/faiss-$srcver-$simd
prefix=$dir/prefix
buildinfo="FAISS $upver (Debian $srcver) $simd OpenBLAS-OpenMP"
stamp_want="recipe=$RECIPE $buildinfo"

if [[ $mode == prefix ]]; then echo "$prefix"; exit 0; fi

mkdir -p "$dir"
# One builder at a time per cache dir.
exec 9>"$dir/.lock"
flock 9

if [[ $mode != force && -f $dir/stamp && $(cat "$dir/stamp") == "$stamp_want" ]]; then
  echo "$prefix"; exit 0
fi

jobs=${BOLE_JOBS:-2}
ma=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
obdir=/usr/lib/$ma/openblas-openmp
[[ -e $obdir/libopenblas.so ]] || die "$obdir/libopenblas.so missing: install libopenblas-openmp-dev"

log=$dir/build.log
: >"$log"
fail() {
  echo "bole: faiss-build: FAILED: $*; last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}
run() { echo "+ $*" >>"$log"; "$@" >>"$log" 2>&1; }

rm -f "$dir/stamp"
echo "bole: building FAISS $upver ($simd, OpenBLAS-OpenMP) into $prefix, ~2-4 min (log: $log)" >&2
start=$SECONDS

# --- 1. source: apt-get source <pkg>=<srcver> -----------------------------
have_src() {
  local out
  out=$(apt-cache showsrc "$srcpkg" 2>/dev/null || true)
  grep -qx "Version: $srcver" <<<"$out"
}
add_deb_src() {
  [[ $(id -u) == 0 ]] || fail "no deb-src entry for $srcpkg $srcver; as root, add one (Types: deb-src) to /etc/apt/sources.list.d/ and apt-get update"
  local codename out=/etc/apt/sources.list.d/bole-src.sources
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [[ -n $codename ]] || fail "cannot determine the Debian codename"
  : >"$out.tmp"
  # deb822 stanzas whose Types has "deb" and whose Suites has the codename.
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f && $f != "$out" ]] || continue
    awk -v RS= -v ORS='\n\n' -v cn="$codename" '
      { types=0; suites=0
        n=split($0, L, "\n")
        for (i=1;i<=n;i++) {
          if (L[i] ~ /^Types:/ && L[i] ~ /[ \t]deb([ \t]|$)/) types=1
          if (L[i] ~ /^Suites:/ && L[i] ~ ("[ \t]" cn "([ \t]|$)")) suites=1
          if (L[i] ~ /^Enabled:[ \t]*no/) types=0
        }
        if (types && suites) {
          s=""
          for (i=1;i<=n;i++) {
            if (L[i] ~ /^#/) continue
            if (L[i] ~ /^Types:/) L[i]="Types: deb-src"
            s = s L[i] "\n"
          }
          printf "%s\n", s
        }
      }' "$f" >>"$out.tmp"
  done
  # One-line style sources.list, if any.
  if [[ -f /etc/apt/sources.list ]]; then
    sed -n -E "s/^deb[ \t]+(.*[ \t]${codename}[ \t].*)$/deb-src \1/p" /etc/apt/sources.list >"$out.list.tmp" || true
    if [[ -s $out.list.tmp ]]; then mv "$out.list.tmp" /etc/apt/sources.list.d/bole-src.list; else rm -f "$out.list.tmp"; fi
  fi
  if [[ -s $out.tmp ]]; then mv "$out.tmp" "$out"; else rm -f "$out.tmp"; fi
  [[ -f $out || -f /etc/apt/sources.list.d/bole-src.list ]] || fail "found no '$codename' apt source to mirror as deb-src"
  echo "bole: added deb-src entry ($out), running apt-get update" >&2
  run apt-get -o DPkg::Lock::Timeout=600 update || fail "apt-get update"
}
have_src || add_deb_src
have_src || fail "apt has no source for $srcpkg=$srcver even with deb-src enabled"

rm -rf "$dir/src" "$dir/build" "$prefix"
mkdir -p "$dir/src"
# _apt cannot write into root's private dirs; the download falls back to
# unsandboxed mode with a harmless warning (goes to the log).
(cd "$dir/src" && run apt-get source -q "$srcpkg=$srcver") || fail "apt-get source $srcpkg=$srcver"
src=$(find "$dir/src" -mindepth 1 -maxdepth 1 -type d -name "$srcpkg-*" | head -n1)
[[ -n $src && -f $src/CMakeLists.txt ]] || fail "unpacked source tree not found under $dir/src"

# --- 2. libfaiss_avx2.a (or libfaiss.a) --------------------------------------
bld=$dir/build
if [[ $simd == avx2 ]]; then target=faiss_avx2; else target=faiss; fi
run cmake -S "$src" -B "$bld" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=gcc -DCMAKE_CXX_COMPILER=g++ \
  -DFAISS_OPT_LEVEL="$simd" \
  -DFAISS_ENABLE_GPU=OFF -DFAISS_ENABLE_PYTHON=OFF -DBUILD_TESTING=OFF \
  -DFAISS_ENABLE_C_API=ON -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DBLA_VENDOR=OpenBLAS -DCMAKE_LIBRARY_PATH="$obdir" \
  || fail "cmake configure of FAISS"
grep -q "openblas-openmp" "$bld/CMakeCache.txt" || echo "warning: BLAS not resolved in $obdir" >>"$log"
run cmake --build "$bld" --target "$target" -j"$jobs" || fail "building $target"
lib=$(find "$bld" -name "lib$target.a" | head -n1)
[[ -n $lib ]] || fail "lib$target.a not produced"

# --- 3. libfaiss_c.a: the C API compiled against the same headers -----------
capi_obj=$bld/c_api_obj
mkdir -p "$capi_obj"
capi_flags=(-O3 -DNDEBUG -fPIC -fopenmp -std=c++11 -I"$src")
[[ $simd == avx2 ]] && capi_flags+=(-mavx2 -mfma -mf16c -mpopcnt)
mapfile -t capi_srcs < <(cd "$src/c_api" && ls ./*.cpp impl/*.cpp utils/*.cpp | sed 's|^\./||')
[[ ${#capi_srcs[@]} -gt 10 ]] || fail "c_api sources not found"
printf '%s\n' "${capi_srcs[@]}" | sed 's|^|c_api/|' >>"$log"
export CAPI_SRC=$src/c_api CAPI_OBJ=$capi_obj
printf '%s\n' "${capi_srcs[@]}" | xargs -P "$jobs" -I{} sh -c \
  'o="$CAPI_OBJ/$(echo "{}" | tr / _).o"; echo "+ g++ $* -c $CAPI_SRC/{}"; exec g++ "$@" -c "$CAPI_SRC/{}" -o "$o"' \
  sh "${capi_flags[@]}" >>"$log" 2>&1 || fail "compiling the C API"
rm -f "$bld/libfaiss_c.a"
run ar rcs "$bld/libfaiss_c.a" "$capi_obj"/*.o || fail "ar libfaiss_c.a"

# --- 4. install into prefix ---------------------------------------------------
mkdir -p "$prefix/lib" "$prefix/include"
cp "$lib" "$bld/libfaiss_c.a" "$prefix/lib/"
(cd "$src" && find faiss -name '*.h' -not -path 'faiss/gpu/*' -not -path 'faiss/python/*' -print0 \
  | xargs -0 cp --parents -t "$prefix/include") || fail "installing faiss headers"
mkdir -p "$prefix/include/faiss/c_api"
(cd "$src/c_api" && find . -name '*.h' -not -path './gpu/*' -print0 \
  | xargs -0 cp --parents -t "$prefix/include/faiss/c_api") || fail "installing C API headers"
echo "$buildinfo" >"$prefix/BUILDINFO"
echo "build took $((SECONDS - start)) s" >>"$log"
echo "$stamp_want" >"$dir/stamp.tmp" && mv "$dir/stamp.tmp" "$dir/stamp"
echo "bole: FAISS built in $((SECONDS - start)) s" >&2
echo "$prefix"
