# common.sh - shared by deploy/local/up and tests/run (sourced, bash):
# install what is missing, build, make TLS material, render nginx.
# Everything is local to the repository and the data directory.

ITL_APT_PACKAGES="build-essential autoconf automake libtool pkg-config
 libfcgi-dev libsqlite3-dev sqlite3 libssl-dev openssl libjansson-dev
 libyaml-dev libtss2-dev libcmocka-dev libcurl4-openssl-dev nginx curl jq
 swtpm swtpm-tools tpm2-tools xxd iproute2 util-linux clang python3
 python3-yaml python3-jsonschema python3-prometheus-client"

itl_log() { printf '%s\n' "$*" >&2; }

# Install the Debian packages that are missing (only when root with apt).
itl_install_deps() {
	local missing="" p
	for p in $ITL_APT_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		itl_log "missing packages:$missing (install them as root)"
		return 1
	fi
	itl_log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Build out of tree into $1 (configure options follow).
itl_build() {
	local src builddir=$1; shift
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$builddir"
	if [ ! -f "$builddir/Makefile" ]; then
		(cd "$builddir" && "$src/configure" -q "$@") >&2
	fi
	make -C "$builddir" -j"$(nproc)" -s >&2
}

# Server certificate (self-signed, 127.0.0.1 and localhost) and an operator
# CA whose client certificates nginx verifies; into $1, keys 0600.
itl_make_tls() {
	local d=$1
	mkdir -p "$d"
	(
		umask 077
		if [ ! -f "$d/server.crt" ]; then
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -days 825 -subj "/CN=localhost" \
				-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
				-keyout "$d/server.key" -out "$d/server.crt" 2>/dev/null
		fi
		if [ ! -f "$d/operator-ca.crt" ]; then
			openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
				-nodes -days 3650 -subj "/CN=ITL local operator CA" \
				-addext "basicConstraints=critical,CA:TRUE" \
				-addext "keyUsage=critical,keyCertSign,cRLSign" \
				-keyout "$d/operator-ca.key" -out "$d/operator-ca.crt" 2>/dev/null
		fi
	)
	chmod 644 "$d/server.crt" "$d/operator-ca.crt"
}

# Issue an operator or viewer client certificate: DIR CN OU -> DIR/CN.{crt,key}
itl_client_cert() {
	local d=$1 cn=$2 ou=$3
	(
		umask 077
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/O=ITL/OU=$ou/CN=$cn" -keyout "$d/$cn.key" \
			-out "$d/$cn.csr" 2>/dev/null
		openssl x509 -req -in "$d/$cn.csr" -CA "$d/operator-ca.crt" \
			-CAkey "$d/operator-ca.key" -CAcreateserial -days 30 \
			-extfile <(printf 'extendedKeyUsage=clientAuth\n') \
			-out "$d/$cn.crt" 2>/dev/null
		rm -f "$d/$cn.csr"
	)
}

# Render nginx/itl.conf.in: DIR PORT SOCKET TLSDIR -> DIR/nginx.conf
itl_render_nginx() {
	local dir=$1 port=$2 socket=$3 tls=$4 src user=""
	src=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	mkdir -p "$dir/tmp"
	[ "$(id -u)" = 0 ] && user="user www-data;"
	cp "$src/nginx/fastcgi_params.conf" "$dir/fastcgi_params.conf"
	sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$socket|g" \
		-e "s|@CERT@|$tls/server.crt|g" -e "s|@KEY@|$tls/server.key|g" \
		-e "s|@CLIENT_CA@|$tls/operator-ca.crt|g" -e "s|@USER@|$user|g" \
		-e "s|@WORKERS@|${ITL_NGINX_WORKERS:-1}|g" \
		-e "s|@MACHINE_RATE@|${ITL_MACHINE_RATE:-200r/s}|g" \
		-e "s|@MACHINE_BURST@|${ITL_MACHINE_BURST:-2000}|g" \
		"$src/nginx/itl.conf.in" >"$dir/nginx.conf"
}

# When nginx runs as root, its workers are www-data: they must reach the
# socket. Print a socket path they can reach.
itl_socket_path() {
	local want=$1 dir
	dir=$(dirname "$want")
	if [ "$(id -u)" = 0 ] && ! runuser -u www-data -- test -x "$dir" 2>/dev/null; then
		dir=/run/itl-attest-$(printf '%s' "$want" | sha256sum | cut -c1-12)
		mkdir -p "$dir" && chmod 755 "$dir"
		want=$dir/itl-attestd.sock
	fi
	printf '%s\n' "$want"
}
