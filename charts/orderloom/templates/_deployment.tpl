{{/*
One service's Deployment. The caller gives:
  root       the chart's context
  component  the service's name in resource names and labels
  svc        its values (enabled, port, resources, extraEnv, replicaCount, autoscaling)
  args       the `orderloom` command that starts it
  env        environment of its own (a list), after the shared one
  health     true when it serves /healthz and /readyz on ORDERLOOM_HEALTH__PORT
  single     true when exactly one pod may run (Recreate, never scaled)
  volumes, mounts, envFrom, checksum, grace   optional extras
*/}}
{{- define "orderloom.deployment" -}}
{{- $root := .root -}}
{{- $svc := .svc -}}
{{- $scaled := and (not .single) (dig "autoscaling" "enabled" false $svc) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "orderloom.fullname" $root }}-{{ .component }}
  labels:
    {{- include "orderloom.labels" (dict "root" $root "component" .component) | nindent 4 }}
spec:
  {{- if not $scaled }}
  replicas: {{ if .single }}1{{ else }}{{ default 1 $svc.replicaCount }}{{ end }}
  {{- end }}
  revisionHistoryLimit: 3
  {{- if .single }}
  strategy:
    type: Recreate
  {{- end }}
  selector:
    matchLabels:
      {{- include "orderloom.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "orderloom.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
      {{- if or .checksum $root.Values.podAnnotations }}
      annotations:
        {{- with .checksum }}
        checksum/config: {{ . }}
        {{- end }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- end }}
    spec:
      {{- include "orderloom.podCommon" $root | trim | nindent 6 }}
      {{- with .grace }}
      terminationGracePeriodSeconds: {{ . }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "orderloom.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            {{- toYaml .args | nindent 12 }}
          env:
            {{- include "orderloom.env" $root | nindent 12 }}
            - name: ORDERLOOM_SERVICE_NAME
              value: {{ .component | quote }}
            {{- if .health }}
            - name: ORDERLOOM_HEALTH__HOST
              value: "0.0.0.0"
            - name: ORDERLOOM_HEALTH__PORT
              value: {{ $svc.port | quote }}
            {{- end }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with $svc.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- with .envFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: {{ if .health }}health{{ else }}http{{ end }}
              containerPort: {{ $svc.port }}
              protocol: TCP
          {{- include "orderloom.probes" (dict "root" $root "port" $svc.port) | nindent 10 }}
          resources:
            {{- toYaml $svc.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "orderloom.volumeMounts" $root | nindent 12 }}
            {{- with .mounts }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "orderloom.volumes" $root | nindent 8 }}
        {{- with .volumes }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
{{- end }}
