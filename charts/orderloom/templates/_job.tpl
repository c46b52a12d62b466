{{/*
A hook Job that runs before every install and upgrade, before the services start: root,
component, weight and the container's command (a shell script, since a Job's steps run in order).
*/}}
{{- define "orderloom.hookJob" -}}
{{- $root := .root -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ include "orderloom.fullname" $root }}-{{ .component }}
  labels:
    {{- include "orderloom.labels" (dict "root" $root "component" .component) | nindent 4 }}
  annotations:
    helm.sh/hook: pre-install,pre-upgrade
    helm.sh/hook-weight: {{ .weight | quote }}
    helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
spec:
  backoffLimit: 3
  activeDeadlineSeconds: {{ $root.Values.migrations.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "orderloom.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
    spec:
      {{- include "orderloom.podCommon" $root | trim | nindent 6 }}
      restartPolicy: Never
      containers:
        - name: {{ .component }}
          image: {{ include "orderloom.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command: ["/bin/sh", "-ec"]
          args:
            - {{ .script | quote }}
          env:
            {{- include "orderloom.env" $root | nindent 12 }}
            {{- with .env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          resources:
            requests: {cpu: 50m, memory: 128Mi}
            limits: {memory: 512Mi}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "orderloom.volumeMounts" $root | nindent 12 }}
      volumes:
        {{- include "orderloom.volumes" $root | nindent 8 }}
{{- end }}
