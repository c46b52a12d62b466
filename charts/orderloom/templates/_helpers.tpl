{{/* Names, labels and the parts every workload shares. */}}

{{- define "orderloom.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "orderloom.fullname" -}}
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

{{- define "orderloom.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The labels of every resource; "component" names the service. */}}
{{- define "orderloom.labels" -}}
helm.sh/chart: {{ include "orderloom.chart" .root }}
{{ include "orderloom.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: orderloom
{{- end }}

{{- define "orderloom.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orderloom.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "orderloom.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "orderloom.adminSecret" -}}
{{- default (printf "%s-admin" (include "orderloom.fullname" .)) .Values.admin.existingSecret }}
{{- end }}

{{/* The environment every process shares: where Kafka and PostgreSQL are, the prefix. */}}
{{- define "orderloom.env" -}}
- name: ORDERLOOM_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: ORDERLOOM_KAFKA__BOOTSTRAP_SERVERS
  value: {{ required "kafka.bootstrapServers is required" .Values.kafka.bootstrapServers | quote }}
{{- with .Values.kafka.topicPrefix }}
- name: ORDERLOOM_KAFKA__TOPIC_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- with .Values.kafka.schemaRegistryUrl }}
- name: ORDERLOOM_KAFKA__SCHEMA_REGISTRY_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.kafka.maxPartitions }}
- name: ORDERLOOM_KAFKA__MAX_PARTITIONS
  value: {{ . | quote }}
{{- end }}
- name: ORDERLOOM_KAFKA__REPLICATION_FACTOR
  value: {{ .Values.topics.replicationFactor | quote }}
- name: ORDERLOOM_KAFKA__MIN_INSYNC_REPLICAS
  value: {{ .Values.topics.minInsyncReplicas | quote }}
{{- if ne .Values.kafka.securityProtocol "PLAINTEXT" }}
- name: ORDERLOOM_KAFKA__SECURITY_PROTOCOL
  value: {{ .Values.kafka.securityProtocol | quote }}
{{- end }}
{{- if hasPrefix "SASL" .Values.kafka.securityProtocol }}
- name: ORDERLOOM_KAFKA__SASL_MECHANISM
  value: {{ .Values.kafka.sasl.mechanism | quote }}
- name: ORDERLOOM_KAFKA__SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ required "kafka.sasl.existingSecret is required with SASL" .Values.kafka.sasl.existingSecret }}
      key: {{ .Values.kafka.sasl.usernameKey }}
- name: ORDERLOOM_KAFKA__SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.kafka.sasl.existingSecret }}
      key: {{ .Values.kafka.sasl.passwordKey }}
{{- end }}
{{- if .Values.kafka.tls.caSecret }}
- name: ORDERLOOM_KAFKA__SSL_CA_LOCATION
  value: /etc/orderloom/kafka-ca/{{ .Values.kafka.tls.caKey }}
{{- end }}
{{- if .Values.postgres.existingSecret }}
- name: ORDERLOOM_POSTGRES__DSN
  valueFrom:
    secretKeyRef:
      name: {{ .Values.postgres.existingSecret }}
      key: {{ .Values.postgres.dsnKey }}
{{- else }}
- name: ORDERLOOM_POSTGRES__DSN
  value: {{ required "postgres.existingSecret (or postgres.dsn) is required" .Values.postgres.dsn | quote }}
{{- end }}
{{- end }}

{{/* Volumes every pod has: a writable /tmp (the root filesystem is read-only), the CA. */}}
{{- define "orderloom.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- with .Values.kafka.tls.caSecret }}
- name: kafka-ca
  secret:
    secretName: {{ . }}
{{- end }}
{{- end }}

{{- define "orderloom.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.kafka.tls.caSecret }}
- name: kafka-ca
  mountPath: /etc/orderloom/kafka-ca
  readOnly: true
{{- end }}
{{- end }}

{{/* The pod-level settings every workload shares. */}}
{{- define "orderloom.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- if .Values.hostNetwork }}
hostNetwork: true
dnsPolicy: ClusterFirstWithHostNet
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The probes of a service on its port: /healthz for liveness, /readyz for readiness. */}}
{{- define "orderloom.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  {{- toYaml .root.Values.probes.readiness | nindent 2 }}
{{- end }}
