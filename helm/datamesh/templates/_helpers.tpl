{{/*
Names, labels and the pieces every workload shares. Templates that work on one service take a
dict: (dict "root" $ "name" <service key> "svc" <its values>), plus "zone" for chunk-store.
*/}}

{{- define "datamesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "datamesh.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "datamesh.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of one service's objects: <fullname>-<service>. Input: dict root, name. */}}
{{- define "datamesh.componentName" -}}
{{- printf "%s-%s" (include "datamesh.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
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

{{- define "datamesh.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* DM_<SERVICE> prefix of a service key: file-ingest -> FILE_INGEST. */}}
{{- define "datamesh.envKey" -}}
{{- . | replace "-" "_" | upper }}
{{- end }}

{{- define "datamesh.endpointsSecretName" -}}
{{- printf "%s-endpoints" (include "datamesh.fullname" .) }}
{{- end }}

{{- define "datamesh.adminSecretName" -}}
{{- default (printf "%s-admin" (include "datamesh.fullname" .)) .Values.admin.existingSecret }}
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
these are the per-pod and per-service ones. Variables a binary has no flag for are ignored by
it, so the list needs no per-binary exceptions beyond `needs`. Input: dict root, name, svc, zone.
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
{{- if eq .name "auth" }}
- name: DM_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "datamesh.adminSecretName" $root }}
      key: {{ $root.Values.admin.existingSecretKey }}
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
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    checksum/endpoints: {{ include (print $root.Template.BasePath "/secret-endpoints.yaml") $root | sha256sum }}
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
        - name: metrics
          containerPort: {{ $svc.metricsPort }}
          protocol: TCP
      envFrom:
        - configMapRef:
            name: {{ include "datamesh.fullname" $root }}
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
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: 64Mi
  {{- $nodeSelector := $root.Values.nodeSelector }}
  {{- if .zone }}
  {{- $nodeSelector = merge (deepCopy (.zone.nodeSelector | default dict)) $root.Values.nodeSelector }}
  {{- end }}
  {{- with $nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  affinity:
    {{- if $root.Values.affinity }}
    {{- toYaml $root.Values.affinity | nindent 4 }}
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
{{- end }}
