/// <reference types="vite/client" />

declare module 'virtual:slack-emoji' {
  /** Slack's emoji names → the character each stands for. */
  const table: Record<string, string>;
  export default table;
}
