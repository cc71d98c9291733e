# Sourced by ./armada and ./test: sets ARMADA_JAVA to a java of version 21 or newer.
# Order: JAVA_HOME when it fits, then every JDK under /usr/lib/jvm (newest first), then java on PATH.

armada_java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n 1 | cut -d. -f1
}

armada_find_java() {
  local candidate major
  local candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
  if [[ -d /usr/lib/jvm ]]; then
    while IFS= read -r dir; do candidates+=("$dir/bin/java"); done < <(ls -d /usr/lib/jvm/*/ 2>/dev/null | sed 's:/$::' | sort -rV)
  fi
  command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
  for candidate in "${candidates[@]}"; do
    [[ -x "$candidate" ]] || continue
    major=$(armada_java_major "$candidate")
    if [[ -n "$major" && "$major" -ge 21 ]]; then
      ARMADA_JAVA="$candidate"
      ARMADA_JAVA_MAJOR="$major"
      ARMADA_JAVA_HOME="$(cd "$(dirname "$candidate")/.." && pwd)"
      return 0
    fi
  done
  cat >&2 <<'MSG'
armada: no Java 21 or newer found (looked at JAVA_HOME, /usr/lib/jvm/* and java on PATH).
Install a JDK 21+, for example Eclipse Temurin 21 or 25 (package temurin-21-jdk or temurin-25-jdk
from the Adoptium apt repository) or openjdk-21-jdk-headless where your Debian release has it,
then run this again, or point JAVA_HOME at it.
MSG
  return 1
}
