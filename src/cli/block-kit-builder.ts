/**
 * A link that opens a payload in Slack's Block Kit Builder, which draws it as Slack does (and says
 * what Slack would reject): the URL-encoded JSON after `#`. A message goes as `{"blocks":[…]}`, a
 * modal or Home tab as the view itself, with only the fields views.open and views.publish take.
 */

export const BLOCK_KIT_BUILDER_URL = 'https://app.slack.com/block-kit-builder';

const VIEW_FIELDS = [
  'type',
  'title',
  'blocks',
  'close',
  'submit',
  'private_metadata',
  'callback_id',
  'clear_on_close',
  'notify_on_close',
  'external_id',
  'submit_disabled',
] as const;

export type BuilderSurface = { blocks: readonly unknown[]; type?: unknown } & Record<string, unknown>;

export function builderPayload(surface: BuilderSurface): Record<string, unknown> {
  if (surface.type === 'modal' || surface.type === 'home') {
    const view: Record<string, unknown> = {};
    for (const key of VIEW_FIELDS) {
      const value = surface[key];
      // What Slack fills in when a view is stored (an empty external_id) is not part of what an app sends.
      if (value !== undefined && value !== null && value !== '') view[key] = value;
    }
    return view;
  }
  return { blocks: surface.blocks };
}

export function blockKitBuilderUrl(surface: BuilderSurface): string {
  return `${BLOCK_KIT_BUILDER_URL}#${encodeURIComponent(JSON.stringify(builderPayload(surface)))}`;
}
