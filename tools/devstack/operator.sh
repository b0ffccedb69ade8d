# The stack's storage operator. Sourced by devstack, not run.
#
# dht places shards only on nodes that an admitted governance operator claimed (its
# --node-admission=governance, the default). So once the services are up, the stack's admin
# registers the operator "devstack" over REST with every chunk-store of the stack, each proving
# possession with dm-node-sign exactly as a real operator's nodes do; admission.mode "open" (the
# default) admits it at once, and the stack waits until the dht lists the chunk-stores
# writable. A later start of the same stack finds the operator and claims only the chunk-stores
# it lacks. The requests go through the gateway, so they are audited like any other.

# One REST call as the admin: prints the answer, fails (with the answer logged) unless 2xx.
operator_api() { # method path [json body]
  local out code
  out=$(curl -s -w '\n%{http_code}' -X "$1" -H "Authorization: Bearer $OPERATOR_TOKEN" \
    -H 'Content-Type: application/json' ${3:+--data-binary "$3"} "$OPERATOR_API$2") || true
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  if [ "${code:0:1}" != 2 ]; then
    [ -n "${OPERATOR_QUIET:-}" ] || log "$1 $2 answered HTTP $code: $out"
    return 1
  fi
  printf '%s' "$out"
}

# A proof of possession of chunk-store $2's node for the admin's account.
node_proof() { # dir index challenge
  "$OPERATOR_BIN/dm-node-sign" --data-dir "$1/data/chunk-store-$2" --challenge "$3" \
    --account "$OPERATOR_ACCOUNT" || die "dm-node-sign failed for chunk-store-$2"
}

writable_nodes_at_least() { # count
  local n
  n=$(OPERATOR_QUIET=1 operator_api GET /admin/system | jq -r '.nodes.writable // 0') || return 1
  [ "${n%.*}" -ge "$1" ]
}

register_stack_operator() { # dir bin chunk_stores
  local dir="$1" count="$3" login operators challenge proofs i id
  [ "$count" -gt 0 ] || return 0
  command -v jq > /dev/null || die "jq not found (make deps installs it)"
  OPERATOR_BIN="$2"
  [ -x "$OPERATOR_BIN/dm-node-sign" ] || die "$OPERATOR_BIN/dm-node-sign not found: build first"
  OPERATOR_API="$(env_get "$dir" DM_GATEWAY_URL)/api/v1"
  login=$(jq -n --arg p "$(cat "$dir/admin-password")" '{username: "admin", password: $p}' \
    | curl -sf -X POST -H 'Content-Type: application/json' --data-binary @- \
      "$OPERATOR_API/auth/login") || die "the admin could not log in to register the storage operator"
  OPERATOR_TOKEN=$(jq -r .token <<< "$login")
  OPERATOR_ACCOUNT=$(jq -r .user.id <<< "$login")

  operators=$(operator_api GET "/governance/operators?limit=100") || die "could not list operators"
  local mine
  mine=$(jq -c --arg a "$OPERATOR_ACCOUNT" '[.operators[] | select(.accountId == $a)][0]' <<< "$operators")
  if [ "$mine" = null ]; then
    challenge=$(operator_api POST /governance/operators/challenge | jq -r .challenge) \
      || die "could not get an operator challenge"
    proofs=$(for i in $(seq 1 "$count"); do node_proof "$dir" "$i" "$challenge"; done | jq -s -c .)
    operator_api POST /governance/operators "$(jq -n -c --arg c "$challenge" --argjson p "$proofs" \
      '{name: "devstack", nodeIds: [$p[].nodeId], challenge: $c, proofs: $p}')" > /dev/null \
      || die "could not register the stack's storage operator"
    log "registered the storage operator \"devstack\" with $count chunk-stores"
  else
    for i in $(seq 1 "$count"); do
      id=$(cat "$dir/data/chunk-store-$i/node_id")
      jq -e --arg n "$id" '.nodes | index($n)' <<< "$mine" > /dev/null && continue
      challenge=$(operator_api POST /governance/operators/challenge | jq -r .challenge) \
        || die "could not get an operator challenge"
      operator_api POST /governance/operators/me/nodes "$(jq -n -c --arg c "$challenge" \
        --argjson p "$(node_proof "$dir" "$i" "$challenge")" '{challenge: $c, proof: $p}')" \
        > /dev/null || die "could not claim chunk-store-$i for the stack's operator"
    done
  fi
  wait_for 60 writable_nodes_at_least "$count" \
    || die "the dht does not list the $count chunk-stores writable (admitted by governance);" \
      "is governance's admission.mode \"open\"? see $dir/logs/dht.log and governance.log"
}
