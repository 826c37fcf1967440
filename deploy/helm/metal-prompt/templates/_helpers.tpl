{{/* Chart name, at most 63 characters. */}}
{{- define "metal.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-qualified name, at most 40 characters so every "<fullname>-<component>" stays a valid name. */}}
{{- define "metal.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "metal.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "metal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: metal-prompt
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "gateway"). */}}
{{- define "metal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "metal.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Image of a component: (dict "root" $ "image" .Values.gateway.image). */}}
{{- define "metal.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" (trimSuffix "/" .root.Values.image.registry) .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Environment every pod gets: DJL never calls home, OpenMP threads sleep instead of spinning. */}}
{{- define "metal.djlEnv" -}}
- name: OPT_OUT_TRACKING
  value: "true"
- name: DJL_OFFLINE
  value: "true"
- name: OMP_WAIT_POLICY
  value: PASSIVE
{{- end -}}

{{/*
JVM settings of a Java container, read by the image's run-java.sh: (dict "root" $ "values" <the component's values>).
heapPercent becomes JAVA_MAX_MEM_RATIO (-XX:MaxRAMPercentage); javaOpts are appended to the JVM flags.
*/}}
{{- define "metal.javaOptsEnv" -}}
- name: JAVA_OPTS_APPEND
  value: {{ trim (printf "-Djava.util.logging.manager=org.jboss.logmanager.LogManager -Dai.djl.offline=true %s" (.values.javaOpts | default "")) | quote }}
{{- with .values.heapPercent }}
- name: JAVA_MAX_MEM_RATIO
  value: {{ . | toString | quote }}
{{- end }}
- name: DJL_CACHE_DIR
  value: {{ .root.Values.djlCacheDir | quote }}
{{- end -}}

{{/* Name of the chart's Secret (also its ConfigMap's name). */}}
{{- define "metal.configName" -}}
{{- include "metal.fullname" . -}}
{{- end -}}

{{/*
The Redis URL with the password inserted as URL user info (":<password>@"), percent-encoded: urlquery
writes a space as "+", which a URI's user info would read literally, so it becomes "%20" (a literal "+" was
already "%2B").
*/}}
{{- define "metal.redisUrl" -}}
{{- $r := .Values.redis -}}
{{- $auth := "" -}}
{{- if $r.password -}}
{{- $auth = printf ":%s@" (urlquery $r.password | replace "+" "%20") -}}
{{- end -}}
{{- if eq $r.mode "sentinel" -}}
{{- if not $r.sentinel.nodes -}}
{{- fail "redis.mode is sentinel but redis.sentinel.nodes is empty (host:port of each Sentinel)" -}}
{{- end -}}
{{- if not $r.sentinel.master -}}
{{- fail "redis.mode is sentinel but redis.sentinel.master is empty (the master name the Sentinels monitor)" -}}
{{- end -}}
{{- printf "redis-sentinel://%s%s/%v#%s" $auth (join "," $r.sentinel.nodes) ($r.sentinel.database | default 0) $r.sentinel.master -}}
{{- else if eq $r.mode "cluster" -}}
{{- if not $r.cluster.nodes -}}
{{- fail "redis.mode is cluster but redis.cluster.nodes is empty (host:port of some nodes of the Redis Cluster)" -}}
{{- end -}}
{{- $scheme := ternary "rediss" "redis" (eq (toString $r.cluster.tls) "true") -}}
{{- $seeds := list -}}
{{- range $r.cluster.nodes -}}
{{- $seeds = append $seeds (printf "%s://%s%s" $scheme $auth .) -}}
{{- end -}}
{{- join "," $seeds -}}
{{- else if eq $r.mode "single" -}}
{{- $url := required "redis.url is required (redis://host:port)" $r.url -}}
{{- if not (regexMatch "^rediss?://[^@/]+" $url) -}}
{{- fail (printf "redis.url must look like redis://host:port or rediss://host:port, without a password (set redis.password); got %q" $url) -}}
{{- end -}}
{{- $parts := splitn "://" 2 $url -}}
{{- printf "%s://%s%s" $parts._0 $auth $parts._1 -}}
{{- else -}}
{{- fail (printf "redis.mode must be single, sentinel or cluster; got %q" $r.mode) -}}
{{- end -}}
{{- end -}}

{{/* Kafka's security settings of a service's container: the SASL line (the chart's Secret, or the component's key
of kafka.sasl.existingSecret) and the CA mount's trust store. */}}
{{- define "metal.kafkaSecurityEnv" -}}
{{- $k := .root.Values.kafka -}}
{{- if hasPrefix "SASL_" $k.securityProtocol }}
- name: KAFKA_SASL_JAAS_CONFIG
  valueFrom:
    secretKeyRef:
      {{- if $k.sasl.existingSecret }}
      name: {{ $k.sasl.existingSecret }}
      key: {{ .component }}
      {{- else }}
      name: {{ include "metal.fullname" .root }}-secret
      key: kafka-sasl-jaas-config
      {{- end }}
{{- end }}
{{- if $k.tls.caSecret }}
- name: KAFKA_SSL_TRUSTSTORE_TYPE
  value: PEM
- name: KAFKA_SSL_TRUSTSTORE_LOCATION
  value: /etc/metal/kafka-tls/{{ $k.tls.caSecretKey }}
{{- end }}
{{- end -}}

{{/* Checks kafka.securityProtocol and its companions at render time. */}}
{{- define "metal.checkKafka" -}}
{{- $k := .Values.kafka -}}
{{- if not (has $k.securityProtocol (list "PLAINTEXT" "SSL" "SASL_PLAINTEXT" "SASL_SSL")) -}}
{{- fail (printf "kafka.securityProtocol must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL; got %q" $k.securityProtocol) -}}
{{- end -}}
{{- if and (hasPrefix "SASL_" $k.securityProtocol) (not $k.sasl.existingSecret) (not (and $k.sasl.username $k.sasl.password)) -}}
{{- fail (printf "kafka.securityProtocol %s needs kafka.sasl.username and kafka.sasl.password, or kafka.sasl.existingSecret" $k.securityProtocol) -}}
{{- end -}}
{{- if and $k.tls.caSecret (not (hasSuffix "SSL" $k.securityProtocol)) -}}
{{- fail (printf "kafka.tls.caSecret is set but kafka.securityProtocol %s uses no TLS (SSL or SASL_SSL)" $k.securityProtocol) -}}
{{- end -}}
{{- if and .Values.topics.minInsyncReplicas (ge (int .Values.topics.minInsyncReplicas) (int .Values.topics.replicationFactor)) -}}
{{- fail (printf "topics.minInsyncReplicas (%v) must be below topics.replicationFactor (%v), or no broker may fail" .Values.topics.minInsyncReplicas .Values.topics.replicationFactor) -}}
{{- end -}}
{{- end -}}

{{/* Checks a model service's device and dtype as the services do (LmSettings), at render time. */}}
{{- define "metal.checkModel" -}}
{{- $name := .name -}}
{{- $m := .values.model -}}
{{- if not (has $m.device (list "cpu" "gpu")) -}}
{{- fail (printf "%s.model.device must be cpu or gpu, got %q" $name $m.device) -}}
{{- end -}}
{{- if not (has $m.dtype (list "fp32" "fp16" "bf16")) -}}
{{- fail (printf "%s.model.dtype must be fp32, fp16 or bf16, got %q" $name $m.dtype) -}}
{{- end -}}
{{- if and (eq $m.device "cpu") (ne $m.dtype "fp32") -}}
{{- fail (printf "%s.model.dtype %s needs device gpu; on cpu use fp32" $name $m.dtype) -}}
{{- end -}}
{{- if and (eq $m.device "gpu") (lt (int .values.gpu.count) 1) -}}
{{- fail (printf "%s.model.device is gpu but %s.gpu.count is 0: the pod would have no GPU" $name $name) -}}
{{- end -}}
{{- end -}}

{{/* Name of the model store's claim. */}}
{{- define "metal.modelClaim" -}}
{{- .Values.modelStore.persistence.existingClaim | default (printf "%s-models" (include "metal.fullname" .)) -}}
{{- end -}}

{{/*
A service's Deployment. Arguments (dict):
  root       the chart's root context ($)
  component  gateway | prompt-generator | inference-worker
  values     the service's values
  env        YAML list of the service's own environment (its @ConfigMapping settings), may be empty
  waitFor    files in the model store the pod waits for; empty = no model store mounted
  autoscaled true when KEDA owns the replica count
*/}}
{{- define "metal.deployment" -}}
{{- $root := .root -}}
{{- $v := .values -}}
{{- $name := printf "%s-%s" (include "metal.fullname" $root) .component -}}
{{- $image := include "metal.image" (dict "root" $root "image" $v.image) -}}
{{- $models := gt (len .waitFor) 0 -}}
{{- $resources := deepCopy ($v.resources | default dict) -}}
{{- if and $v.gpu (gt (int $v.gpu.count) 0) -}}
{{- $limits := get $resources "limits" | default dict -}}
{{- $_ := set $limits $v.gpu.resourceName (int $v.gpu.count) -}}
{{- $_ := set $resources "limits" $limits -}}
{{- end -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  labels:
    {{- include "metal.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not .autoscaled }}
  replicas: {{ $v.replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "metal.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "metal.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
      annotations:
        # a changed ConfigMap or Secret rolls the pods
        checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
        checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
        {{- if $root.Values.metrics.podAnnotations }}
        # Prometheus (kubernetes_sd, pod role) scrapes the management port, which no Service exposes
        prometheus.io/scrape: "true"
        prometheus.io/port: "9000"
        prometheus.io/path: /q/metrics
        {{- end }}
        {{- with $v.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.podSecurityContext }}
      securityContext:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds | default 30 }}
      {{- if and $models $root.Values.modelStore.waitForModels }}
      initContainers:
        - name: wait-for-models
          image: {{ $image }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          command:
            - /bin/sh
            - -c
            - |
              for f in "$@"; do
                until [ -e "$f" ]; do
                  echo "waiting for $f in the model store (seed job, or copy the models in: deploy/README.md)"
                  sleep 5
                done
              done
            - wait-for-models
            {{- range .waitFor }}
            - {{ . | quote }}
            {{- end }}
          env:
            {{- include "metal.djlEnv" $root | nindent 12 }}
          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {memory: 64Mi}
          {{- with $root.Values.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: models
              mountPath: {{ $root.Values.modelStore.mountPath }}
              readOnly: true
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ $image }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            # health and metrics (quarkus.management.port): probes and Prometheus only, never behind the Service
            - name: management
              containerPort: 9000
              protocol: TCP
          envFrom:
            - configMapRef:
                name: {{ include "metal.fullname" $root }}-config
          env:
            {{- include "metal.djlEnv" $root | nindent 12 }}
            {{- include "metal.javaOptsEnv" (dict "root" $root "values" $v) | nindent 12 }}
            - name: METAL_REDIS_URL
              valueFrom:
                secretKeyRef:
                  {{- if $root.Values.redis.existingSecret }}
                  name: {{ $root.Values.redis.existingSecret }}
                  key: {{ $root.Values.redis.existingSecretKey }}
                  {{- else }}
                  name: {{ include "metal.fullname" $root }}-secret
                  key: redis-url
                  {{- end }}
            {{- include "metal.kafkaSecurityEnv" (dict "root" $root "component" .component) | nindent 12 }}
            {{- range $key, $_ := $root.Values.secretEnv }}
            - name: {{ $key }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "metal.fullname" $root }}-secret
                  key: {{ $key }}
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- range $key, $value := $v.env }}
            - name: {{ $key }}
              value: {{ $value | toString | quote }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /q/health/live
              port: management
            {{- toYaml $root.Values.probes.startup | nindent 12 }}
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: management
            {{- toYaml $root.Values.probes.liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: management
            {{- toYaml $root.Values.probes.readiness | nindent 12 }}
          {{- with $resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $root.Values.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          volumeMounts:
            - name: djl-cache
              mountPath: {{ $root.Values.djlCacheDir }}
            {{- if $models }}
            - name: models
              mountPath: {{ $root.Values.modelStore.mountPath }}
              readOnly: true
            {{- end }}
            {{- if $root.Values.kafka.tls.caSecret }}
            - name: kafka-tls
              mountPath: /etc/metal/kafka-tls
              readOnly: true
            {{- end }}
      volumes:
        - name: djl-cache
          emptyDir: {}
        {{- with $root.Values.kafka.tls.caSecret }}
        - name: kafka-tls
          secret:
            secretName: {{ . }}
        {{- end }}
        {{- if $models }}
        - name: models
          persistentVolumeClaim:
            claimName: {{ include "metal.modelClaim" $root }}
            readOnly: true
        {{- end }}
      {{- with $v.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/* A service's Service: (dict "root" $ "component" "gateway" "values" .Values.gateway). */}}
{{- define "metal.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "metal.fullname" .root }}-{{ .component }}
  labels:
    {{- include "metal.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: {{ .values.service.type }}
  selector:
    {{- include "metal.selectorLabels" (dict "root" .root "component" .component) | nindent 4 }}
  ports:
    - name: http
      port: {{ .values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/* A service's PodDisruptionBudget (minAvailable when set, else maxUnavailable). */}}
{{- define "metal.pdb" -}}
{{- if .values.pdb.enabled -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "metal.fullname" .root }}-{{ .component }}
  labels:
    {{- include "metal.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  {{- if not (kindIs "invalid" .values.pdb.minAvailable) }}
  minAvailable: {{ .values.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "metal.selectorLabels" (dict "root" .root "component" .component) | nindent 6 }}
{{- end -}}
{{- end -}}
