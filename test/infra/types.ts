/**
 * What the harness hands to tests: the running components' endpoints and credentials, and the
 * paths of the built tools. Filled by vitest-global-setup.ts from the `export` lines of
 * test/infra/up; read in tests through ./env.ts.
 */
export interface InfraEnv {
  /** State dir of this run (pids, ports, certs, logs). */
  stateDir: string;
  /** Components actually running: etcd, kube-apiserver, kube-controller-manager, vault, bitnami-controller, toxiproxy, postgres. */
  running: string[];
  kube?: {
    /** Admin kubeconfig (static token in group system:masters). */
    kubeconfig: string;
    /** https://127.0.0.1:PORT */
    server: string;
    /** PEM file of the throwaway CA that signed the apiserver's serving cert. */
    caFile: string;
    adminToken: string;
    etcdUrl: string;
    /** test/infra/sa-kubeconfig: writes a kubeconfig for a service account. */
    saKubeconfigScript: string;
    /** true when kube-controller-manager runs (garbage collection, namespace deletion). */
    gc: boolean;
    /** The apiserver's audit log (JSON lines): every write to secrets, sealedsecrets, remotesecrets, leases. */
    auditLog: string;
  };
  vault?: {
    /** http://127.0.0.1:PORT */
    addr: string;
    /** Root token. KV v2 is mounted at secret/, KV v1 at kv1/. */
    token: string;
    /** Mount path of the Kubernetes auth method configured against our apiserver, when both run. */
    kubernetesAuthPath?: string;
  };
  bitnami?: {
    kubeseal: string;
    controller: string;
    crd: string;
    /** Set when the sealed-secrets controller runs: http://127.0.0.1:PORT */
    controllerUrl?: string;
    certUrl?: string;
  };
  toxiproxy?: {
    /** The Toxiproxy server's HTTP API: http://127.0.0.1:PORT */
    url: string;
  };
  postgres?: {
    /** postgresql://SUPERUSER:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable */
    url: string;
    host: string;
    port: number;
    /** The superuser ("postgres"), password login over TCP; what Vault's database engine connects as. */
    superuser: string;
    password: string;
    /** Debian's psql (from the server's bin dir). */
    psql: string;
  };
  bin: Record<string, string>;
  /** Every variable `up` exported, verbatim. */
  env: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    sealkitInfra: InfraEnv | null;
  }
}

/** Builds the structured view from the raw `export` variables of test/infra/up. */
export function infraEnvFromExports(env: Record<string, string>): InfraEnv {
  const running = (env.SEALKIT_INFRA_RUNNING ?? '').split(',').filter(Boolean);
  const bin: Record<string, string> = {};
  const binVars: Record<string, string> = {
    SEALKIT_KUBE_APISERVER_BIN: 'kubeApiserver',
    SEALKIT_KUBE_CONTROLLER_MANAGER_BIN: 'kubeControllerManager',
    SEALKIT_ETCD_BIN: 'etcd',
    SEALKIT_VAULT_BIN: 'vault',
    SEALKIT_KUBESEAL_BIN: 'kubeseal',
    SEALKIT_BITNAMI_CONTROLLER_BIN: 'bitnamiController',
    SEALKIT_TOXIPROXY_BIN: 'toxiproxy',
  };
  for (const [k, name] of Object.entries(binVars)) {
    const v = env[k];
    if (v) bin[name] = v;
  }
  const result: InfraEnv = { stateDir: env.SEALKIT_TEST_STATE ?? '', running, bin, env };
  if (env.KUBECONFIG && env.SEALKIT_KUBE_SERVER) {
    result.kube = {
      kubeconfig: env.KUBECONFIG,
      server: env.SEALKIT_KUBE_SERVER,
      caFile: env.SEALKIT_KUBE_CA_FILE ?? '',
      adminToken: env.SEALKIT_KUBE_ADMIN_TOKEN ?? '',
      etcdUrl: env.SEALKIT_ETCD_URL ?? '',
      saKubeconfigScript: env.SEALKIT_SA_KUBECONFIG ?? '',
      gc: running.includes('kube-controller-manager'),
      auditLog: env.SEALKIT_KUBE_AUDIT_LOG ?? '',
    };
  }
  if (env.VAULT_ADDR && env.VAULT_TOKEN) {
    result.vault = { addr: env.VAULT_ADDR, token: env.VAULT_TOKEN };
    if (env.SEALKIT_VAULT_K8S_AUTH_PATH) result.vault.kubernetesAuthPath = env.SEALKIT_VAULT_K8S_AUTH_PATH;
  }
  if (env.SEALKIT_KUBESEAL_BIN) {
    result.bitnami = {
      kubeseal: env.SEALKIT_KUBESEAL_BIN,
      controller: env.SEALKIT_BITNAMI_CONTROLLER_BIN ?? '',
      crd: env.SEALKIT_BITNAMI_CRD ?? '',
    };
    if (env.SEALKIT_BITNAMI_CONTROLLER_URL) result.bitnami.controllerUrl = env.SEALKIT_BITNAMI_CONTROLLER_URL;
    if (env.SEALKIT_BITNAMI_CERT_URL) result.bitnami.certUrl = env.SEALKIT_BITNAMI_CERT_URL;
  }
  if (env.SEALKIT_TOXIPROXY_URL) result.toxiproxy = { url: env.SEALKIT_TOXIPROXY_URL };
  if (env.SEALKIT_PG_URL && env.SEALKIT_PG_PORT) {
    result.postgres = {
      url: env.SEALKIT_PG_URL,
      host: env.SEALKIT_PG_HOST ?? '127.0.0.1',
      port: Number(env.SEALKIT_PG_PORT),
      superuser: env.SEALKIT_PG_SUPERUSER ?? 'postgres',
      password: env.SEALKIT_PG_PASSWORD ?? '',
      psql: env.SEALKIT_PSQL_BIN ?? 'psql',
    };
  }
  return result;
}
