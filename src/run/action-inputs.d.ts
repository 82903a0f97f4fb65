// Built by rollup.config.mjs from action.yml: each input's description, by name.
declare module 'virtual:action-inputs' {
  export const INPUT_DESCRIPTIONS: Record<string, string>
}
