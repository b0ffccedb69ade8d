{{/*
Names, labels and the pieces every workload shares. Templates that work on one service take a
dict: (dict "root" $ "name" <service key> "svc" <its values>), plus "zone" for chunk-store.
*/}}

{{- define "datamesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
A name of at most `limit` characters that stays unique and readable: a longer one is cut in
its first part and gets 8 hex digits of the SHA-256 of the whole name, before its ending
`keep` (e.g. "-gateway"), which stays. Plain truncation would give names sharing a long prefix
the same result (per-zone StatefulSets, components of a long release name).
Input: dict name (the whole name, ending in keep), limit, keep (optional).
*/}}
{{- define "datamesh.limitName" -}}
{{- $keep := .keep | default "" }}
{{- if le (len .name) (int .limit) }}
{{- .name }}
{{- else }}
{{- $hash := sha256sum .name | trunc 8 }}
{{- $room := sub (sub .limit (len $keep)) 9 }}
{{- if lt $room 1 }}
{{- $keep = "" }}
{{- $room = sub .limit 9 }}
{{- end }}
{{- $head := trimSuffix $keep .name }}
{{- printf "%s-%s%s" (trunc (int $room) $head | trimSuffix "-") $hash $keep }}
{{- end }}
{{- end }}

{{/*
<release>-datamesh (just <release> when it contains "datamesh"). Release names may hold dots
and start with a digit, which Service names (DNS-1035 labels) may not: dots become dashes and
a leading digit gets the prefix "dm-".
*/}}
{{- define "datamesh.fullname" -}}
{{- $full := "" }}
{{- if .Values.fullnameOverride }}
{{- $full = .Values.fullnameOverride }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- $full = .Release.Name }}
{{- else }}
{{- $full = printf "%s-%s" .Release.Name $name }}
{{- end }}
{{- end }}
{{- $full = $full | replace "." "-" }}
{{- if regexMatch "^[0-9]" $full }}
{{- $full = printf "dm-%s" $full }}
{{- end }}
{{- include "datamesh.limitName" (dict "name" $full "limit" 63) }}
{{- end }}

{{/* <fullname>-<suffix> within 63 characters. Input: dict root, suffix. */}}
{{- define "datamesh.suffixedName" -}}
{{- $keep := printf "-%s" .suffix }}
{{- include "datamesh.limitName" (dict "name" (printf "%s%s" (include "datamesh.fullname" .root) $keep) "limit" 63 "keep" $keep) }}
{{- end }}

{{- define "datamesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of one service's objects: <fullname>-<service>. Input: dict root, name. */}}
{{- define "datamesh.componentName" -}}
{{- include "datamesh.suffixedName" (dict "root" .root "suffix" .name) }}
{{- end }}

{{/*
A chunk-store zone's StatefulSet. 52 characters at most: its pods are named <name>-<ordinal>
and carry the label controller-revision-hash=<name>-<10 characters>, both limited to 63.
Input: dict root, zone.
*/}}
{{- define "datamesh.zoneStatefulSetName" -}}
{{- $keep := printf "-chunk-store-%s" .zone.name }}
{{- $name := printf "%s%s" (include "datamesh.fullname" .root) $keep }}
{{- include "datamesh.limitName" (dict "name" $name "limit" 52 "keep" $keep) }}
{{- end }}

{{/* The headless Service of the chunk-store StatefulSets. Input: the root context. */}}
{{- define "datamesh.chunkStoreHeadlessName" -}}
{{- include "datamesh.suffixedName" (dict "root" . "suffix" "chunk-store-headless") }}
{{- end }}

{{/* Selects every DataMesh pod of the release (and none of a subchart's). */}}
{{- define "datamesh.baseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "datamesh.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "datamesh.labels" -}}
helm.sh/chart: {{ include "datamesh.chart" . }}
{{ include "datamesh.baseSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: datamesh
{{- end }}

{{/* Input: dict root, name. */}}
{{- define "datamesh.selectorLabels" -}}
{{ include "datamesh.baseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{/* Input: dict root, name. */}}
{{- define "datamesh.componentLabels" -}}
{{ include "datamesh.labels" .root }}
app.kubernetes.io/component: {{ .name }}
{{- end }}

{{- define "datamesh.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "datamesh.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository@digest when image.digest is set (it names the content, so it wins over the tag). */}}
{{- define "datamesh.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* DM_<SERVICE> prefix of a service key: file-ingest -> FILE_INGEST. */}}
{{- define "datamesh.envKey" -}}
{{- . | replace "-" "_" | upper }}
{{- end }}

{{- define "datamesh.endpointsSecretName" -}}
{{- include "datamesh.suffixedName" (dict "root" . "suffix" "endpoints") }}
{{- end }}

{{- define "datamesh.s3SecretName" -}}
{{- default (include "datamesh.suffixedName" (dict "root" . "suffix" "s3")) .Values.s3.existingSecret }}
{{- end }}

{{- define "datamesh.adminSecretName" -}}
{{- default (include "datamesh.suffixedName" (dict "root" . "suffix" "admin")) .Values.admin.existingSecret }}
{{- end }}

{{/*
secretKeyRef body of one dependency's URL: the user's Secret or the chart's.
Input: dict root, dep (nats | postgresql | redis).
*/}}
{{- define "datamesh.endpointRef" -}}
{{- $e := index .root.Values.endpoints .dep }}
{{- if $e.existingSecret -}}
name: {{ $e.existingSecret }}
key: {{ $e.existingSecretKey }}
{{- else -}}
name: {{ include "datamesh.endpointsSecretName" .root }}
key: {{ printf "%s-url" .dep }}
{{- end }}
{{- end }}

{{/*
Pods of one chunk-store zone: its own `replicas` if set, else an even share of
services.chunk-store.replicas (the first zones take the remainder).
Input: dict svc, zones (the effective list), index.
*/}}
{{- define "datamesh.zoneReplicas" -}}
{{- $zone := index .zones .index }}
{{- if hasKey $zone "replicas" }}
{{- $zone.replicas | int }}
{{- else }}
{{- $count := len .zones }}
{{- $extra := mod .svc.replicas $count }}
{{- add (div .svc.replicas $count) (ternary 1 0 (lt .index (int $extra))) }}
{{- end }}
{{- end }}

{{/* The chunk-store zones, or one zone "default" when none are listed (as a JSON list). */}}
{{- define "datamesh.zones" -}}
{{- .Values.services | dig "chunk-store" "zones" list | default (list (dict "name" "default")) | toJson }}
{{- end }}

{{/* SIGTERM: preStop pause, then up to shutdownGrace of draining, then ~5 s of NATS drain. */}}
{{- define "datamesh.terminationGracePeriod" -}}
{{- add .Values.config.preStopSleepSeconds .Values.config.shutdownGraceSeconds 15 }}
{{- end }}

{{/*
The env of one service's container. Settings shared by all live in the ConfigMap (envFrom);
these are the per-pod and per-service ones: the dependency URLs of its `needs` and the gRPC
addresses of its `calls`, so that each binary gets only variables it has a flag for (helm/checks
checks that against the binaries' --help). Input: dict root, name, svc, zone.
*/}}
{{- define "datamesh.env" -}}
{{- $root := .root }}
{{- $svc := .svc -}}
- name: DM_GRPC_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.grpcPort | quote }}
- name: DM_METRICS_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.metricsPort | quote }}
{{- if $svc.httpPort }}
- name: DM_HTTP_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.httpPort | quote }}
{{- end }}
{{- if $svc.s3Port }}
- name: DM_S3_ADDR
  value: {{ printf "0.0.0.0:%v" $svc.s3Port | quote }}
{{- end }}
# The pod name: stable for a StatefulSet pod, and it ties logs and heartbeats to kubectl.
- name: DM_INSTANCE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
# Heartbeats carry host:port; other services dial the pod directly.
- name: DM_ADVERTISE_HOST
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
{{- if has "nats" $svc.needs }}
- name: DM_NATS_URL
  valueFrom:
    secretKeyRef:
      {{- include "datamesh.endpointRef" (dict "root" $root "dep" "nats") | nindent 6 }}
{{- end }}
{{- if has "postgresql" $svc.needs }}
- name: DM_PG_URL
  valueFrom:
    secretKeyRef:
      {{- include "datamesh.endpointRef" (dict "root" $root "dep" "postgresql") | nindent 6 }}
{{- with $root.Values.endpoints.postgresql.passwordSecret }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $root.Values.endpoints.postgresql.passwordSecretKey }}
{{- end }}
{{- end }}
{{- if has "redis" $svc.needs }}
- name: DM_REDIS_URL
  valueFrom:
    secretKeyRef:
      {{- include "datamesh.endpointRef" (dict "root" $root "dep" "redis") | nindent 6 }}
{{- end }}
{{- range ($svc.calls | default list) }}
{{- $callee := index $root.Values.services . | default dict }}
{{- /* chunk-stores are dialled at the address their heartbeats advertise. */}}
{{- if and $callee.enabled (ne . "chunk-store") }}
- name: DM_{{ include "datamesh.envKey" . }}_ADDR
  value: {{ printf "%s:%v" (include "datamesh.componentName" (dict "root" $root "name" .)) $callee.grpcPort | quote }}
{{- end }}
{{- end }}
{{- if eq .name "dht" }}
# Shards go only to nodes of operators governance admitted; without governance nothing could
# admit one, so placement is open (README.md, "Storage operators").
- name: DM_NODE_ADMISSION
  value: {{ ternary "governance" "off" $root.Values.services.governance.enabled | quote }}
{{- end }}
{{- if eq .name "auth" }}
- name: DM_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "datamesh.adminSecretName" $root }}
      key: {{ $root.Values.admin.existingSecretKey }}
- name: DM_S3_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "datamesh.s3SecretName" $root }}
      key: {{ $root.Values.s3.existingSecretKey }}
{{- end }}
{{- if and (eq .name "gateway") $root.Values.ingress.enabled $root.Values.ingress.trustedProxies }}
# Behind the Ingress every client arrives from the controller: its X-Forwarded-For names them.
- name: DM_TRUSTED_PROXIES
  value: {{ join "," $root.Values.ingress.trustedProxies | quote }}
{{- end }}
{{- with .zone }}
- name: DM_DATA_DIR
  value: /var/lib/datamesh/chunks
- name: DM_ZONE
  value: {{ .name | quote }}
- name: DM_CAPACITY_BYTES
  value: {{ $svc.capacityBytes | int64 | quote }}
{{- end }}
{{- range $k, $v := $svc.env }}
- name: {{ $k }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}

{{/*
Probes. A service's gRPC health answers SERVING only while its dependencies (NATS, PostgreSQL,
Redis) answer, so it is the readiness signal. It is NOT the liveness signal: during an outage
of a dependency every replica turns NOT_SERVING at once, and killing them would only add a
restart storm (and CrashLoopBackOff delays) to the outage. Liveness therefore asks "is the
process still accepting connections" (TCP on the gRPC port) with a lenient threshold.
The gRPC port opens only after the dependencies answered and migrations ran (the process
retries for DM_STARTUP_TIMEOUT, then exits), so the startup probe allows that long plus slack.
The gateway has HTTP probes: /healthz (process up) and /readyz (NATS and critical upstreams).
Input: dict root, svc.
*/}}
{{- define "datamesh.probes" -}}
{{- $p := .root.Values.probes }}
{{- $svc := .svc }}
{{- $budget := add .root.Values.config.startupTimeoutSeconds $p.startup.slackSeconds }}
{{- $period := int $p.startup.periodSeconds -}}
startupProbe:
  {{- if $svc.httpPort }}
  httpGet:
    path: /healthz
    port: http
  {{- else }}
  tcpSocket:
    port: grpc
  {{- end }}
  periodSeconds: {{ $period }}
  timeoutSeconds: {{ $p.startup.timeoutSeconds }}
  failureThreshold: {{ div (add $budget $period -1) $period }}
readinessProbe:
  {{- if $svc.httpPort }}
  httpGet:
    path: /readyz
    port: http
  {{- else }}
  grpc:
    port: {{ $svc.grpcPort }}
  {{- end }}
  periodSeconds: {{ $p.readiness.periodSeconds }}
  timeoutSeconds: {{ $p.readiness.timeoutSeconds }}
  failureThreshold: {{ $p.readiness.failureThreshold }}
livenessProbe:
  {{- if $svc.httpPort }}
  httpGet:
    path: /healthz
    port: http
  {{- else }}
  tcpSocket:
    port: grpc
  {{- end }}
  periodSeconds: {{ $p.liveness.periodSeconds }}
  timeoutSeconds: {{ $p.liveness.timeoutSeconds }}
  failureThreshold: {{ $p.liveness.failureThreshold }}
{{- end }}

{{/*
What one service reads of the shared ConfigMap and the endpoints: the release-wide settings,
the addresses of the services it calls and the dependencies it needs. Its pods carry the
checksum of exactly that, so a change restarts only the services it concerns (a new address
of auth restarts the gateway, not the storage nodes). Input: dict root, name, svc.
*/}}
{{- define "datamesh.configChecksum" -}}
{{- $root := .root }}
{{- $addrs := dict }}
{{- range (.svc.calls | default list) }}
{{- $callee := index $root.Values.services . | default dict }}
{{- if $callee.enabled }}
{{- $_ := set $addrs . (printf "%s:%v" (include "datamesh.componentName" (dict "root" $root "name" .)) $callee.grpcPort) }}
{{- end }}
{{- end }}
{{- $deps := dict }}
{{- range (.svc.needs | default list) }}
{{- $e := index $root.Values.endpoints . }}
{{- $_ := set $deps . (dict "url" (tpl $e.url $root) "secret" $e.existingSecret "key" $e.existingSecretKey) }}
{{- end }}
{{- dict "config" $root.Values.config "calls" $addrs "needs" $deps | toJson | sha256sum }}
{{- end }}

{{/*
The pod template shared by the Deployments and the chunk-store StatefulSets.
Input: dict root, name, svc, and for chunk-store zone (one entry of services.chunk-store.zones).
*/}}
{{- define "datamesh.podTemplate" -}}
{{- $root := .root }}
{{- $svc := .svc -}}
metadata:
  labels:
    {{- include "datamesh.selectorLabels" . | nindent 4 }}
    {{- with .zone }}
    datamesh.io/zone: {{ .name | quote }}
    {{- end }}
    {{- with $root.Values.podLabels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  annotations:
    checksum/config: {{ include "datamesh.configChecksum" . }}
    {{- if $root.Values.metrics.annotations }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ $svc.metricsPort | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "datamesh.serviceAccountName" $root }}
  automountServiceAccountToken: false
  enableServiceLinks: false
  terminationGracePeriodSeconds: {{ include "datamesh.terminationGracePeriod" $root }}
  {{- with $root.Values.priorityClassName }}
  priorityClassName: {{ . }}
  {{- end }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .name }}
      image: {{ include "datamesh.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      command: [{{ printf "/usr/local/bin/%s" .name | quote }}]
      ports:
        - name: grpc
          containerPort: {{ $svc.grpcPort }}
          protocol: TCP
        {{- if $svc.httpPort }}
        - name: http
          containerPort: {{ $svc.httpPort }}
          protocol: TCP
        {{- end }}
        {{- if $svc.s3Port }}
        - name: s3
          containerPort: {{ $svc.s3Port }}
          protocol: TCP
        {{- end }}
        - name: metrics
          containerPort: {{ $svc.metricsPort }}
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "datamesh.fullname" $root }}
        {{- range (concat ($root.Values.envFromSecrets | default list) ($svc.envFromSecrets | default list)) }}
        - secretRef:
            name: {{ . }}
        {{- end }}
      env:
        {{- include "datamesh.env" . | nindent 8 }}
      {{- include "datamesh.probes" . | nindent 6 }}
      {{- if gt (int $root.Values.config.preStopSleepSeconds) 0 }}
      lifecycle:
        preStop:
          exec:
            command: ["/bin/sleep", {{ $root.Values.config.preStopSleepSeconds | toString | quote }}]
      {{- end }}
      resources:
        {{- toYaml $svc.resources | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        {{- if .zone }}
        - name: data
          mountPath: /var/lib/datamesh/chunks
        {{- end }}
        {{- with (concat ($root.Values.extraVolumeMounts | default list) ($svc.extraVolumeMounts | default list)) }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
    {{- with (concat ($root.Values.extraVolumes | default list) ($svc.extraVolumes | default list)) }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- /* Scheduling: the service's own settings over the release's; a zone's nodeSelector over both. */}}
  {{- $nodeSelector := merge (deepCopy ($svc.nodeSelector | default dict)) ($root.Values.nodeSelector | default dict) }}
  {{- if .zone }}
  {{- $nodeSelector = merge (deepCopy (.zone.nodeSelector | default dict)) $nodeSelector }}
  {{- end }}
  {{- with $nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with (concat ($root.Values.tolerations | default list) ($svc.tolerations | default list)) }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- $affinity := $svc.affinity | default $root.Values.affinity }}
  affinity:
    {{- if $affinity }}
    {{- toYaml $affinity | nindent 4 }}
    {{- else }}
    podAntiAffinity:
      preferredDuringSchedulingIgnoredDuringExecution:
        - weight: 100
          podAffinityTerm:
            topologyKey: kubernetes.io/hostname
            labelSelector:
              matchLabels:
                {{- include "datamesh.selectorLabels" . | nindent 16 }}
    {{- end }}
  {{- $spread := $svc.topologySpreadConstraints | default $root.Values.topologySpreadConstraints }}
  {{- with $spread }}
  topologySpreadConstraints:
    {{- range . }}
    {{- /* A constraint without a labelSelector counts this service's pods. */}}
    - {{- toYaml (omit . "labelSelector") | nindent 6 }}
      labelSelector:
        {{- if .labelSelector }}
        {{- toYaml .labelSelector | nindent 8 }}
        {{- else }}
        matchLabels:
          {{- include "datamesh.selectorLabels" $ | nindent 10 }}
        {{- end }}
    {{- end }}
  {{- end }}
{{- end }}
