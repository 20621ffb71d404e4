const CONNECTION = `Connection:
  --api-key KEY     API key (default: GOODTAKE_API_KEY, then the 'goodtake login' file)
  --base-url URL    API base URL (default: GOODTAKE_BASE_URL, then the login file,
                    then https://api.goodtake.ai)
  --timeout SEC     Give up on a request after SEC seconds (default 600)
  -h, --help        Show this help`;

/** Help text of each command, and of the whole CLI under `help`. */
export const HELP = {
  help: `goodtake: generate images with the GoodTake Seedream API, from the command line

Usage: goodtake <command> [options]

Commands:
  generate "PROMPT"   Generate (or, with --image, edit) images and save them
  account             Show the balance, limits and prices of your account
  generations         List your recent generations and the credits they used
  models              List the models the server offers and what each image costs
  login --key KEY     Save an API key (and base URL) for the commands above
  logout              Forget the saved key
  help [COMMAND]      Show help for a command

Examples:
  goodtake login --key gt_... --base-url http://localhost:8080
  goodtake generate "A beautiful sunset over mountains"
  goodtake generate "A serene forest path" --model seedream-4-0-250828 --size 1024x1024 -n 2
  goodtake account
  goodtake generations --limit 10
  goodtake models

Settings come from flags, then the environment (GOODTAKE_API_KEY, GOODTAKE_BASE_URL), then
the file 'goodtake login' writes ($GOODTAKE_CONFIG, else
\${XDG_CONFIG_HOME:-~/.config}/goodtake/config.json).

Exit codes: 0 ok, 2 usage error, 3 API error (4xx/5xx), 4 network error or timeout,
1 anything else (e.g. a file could not be written), 130 interrupted.
`,

  generate: `Usage: goodtake generate "PROMPT" [options]

Generates images from a prompt and saves them, as <prompt>-<yyyymmdd-hhmmss>-<n>.jpg, into
the current directory (or --out). Existing files are never overwritten.

Options:
  -m, --model ID          seedream-4-5-251128 (default) or seedream-4-0-250828
  -s, --size SIZE         1K, 2K (default) or 4K, or an exact size of the model:
                            4.5: 2048x2048 2304x1728 1728x2304 2560x1440 1440x2560
                                 2496x1664 1664x2496 3024x1296
                            4.0: 512x512 768x768 1024x1024 1024x768 768x1024
                                 1920x1080 1080x1920
  -n, --number N          Number of images, 1-4 (default 1); each is charged
      --mode MODE         Prompt optimisation: standard (default), creative or precise
  -i, --image FILE|URL    Source image to edit or blend (repeatable, up to 10): a PNG,
                          JPEG or WebP file (sent inline) or an http(s) URL
  -o, --out DIR           Directory to save into (default: the current directory)
      --base64            Ask for the images inline (base64) instead of downloading them
      --json              Print the API's JSON response on stdout (files are still saved)
      --no-save           Do not save the images (with --json: only print the response)
      --idempotency-key K Make re-running this exact command safe: the server replays the
                          first result instead of generating and charging again
      --async             Queue it and print its id at once (credits are reserved now);
                          follow it with goodtake generations watch ID

${CONNECTION}

Examples:
  goodtake generate "A beautiful sunset over mountains"
  goodtake generate "A cyberpunk street at night" --size 2560x1440 -n 2 --mode creative
  goodtake generate "A serene forest path" -m seedream-4-0-250828 -s 1024x1024 -o ./out
  goodtake generate "Turn this into a watercolour" --image photo.jpg
  goodtake generate "A robot" --json --no-save | jq -r '.data.images[].url'
  goodtake generate "A 4K lighthouse" --size 4K --async
`,

  account: `Usage: goodtake account [options]

Shows the account behind your API key: balance, reserved and available credits, the key's
rate limits, and the price of each model in credits per image.

Options:
      --json            Print the API's JSON response instead

${CONNECTION}

Examples:
  goodtake account
  goodtake account --json | jq .data.available
`,

  models: `Usage: goodtake models [options]

Lists the models the server offers: the identifier to pass as --model, the name, the cost of
each delivered image in credits, the default size, how many source images it blends, and
whether it can be served right now.

Options:
      --json            Print the API's JSON response instead

${CONNECTION}

Examples:
  goodtake models
  goodtake models --json | jq -r '.data.models[].id'
`,

  generations: `Usage: goodtake generations [options]
       goodtake generations get ID [--json]
       goodtake generations watch ID [--out DIR] [--no-save] [--json]

Lists your generations, newest first: when, which model and size, images delivered, credits
charged, and how it ended. \`get\` shows one generation's state (queued, running, succeeded,
failed, canceled); \`watch\` follows it with a progress bar until it ends, then saves its images
as \`generate\` does (into the current directory, or --out).

Options:
  -l, --limit N         How many to show (default 20; more than 100 fetches several pages)
      --since TIME      Only those created since TIME (ISO 8601, e.g. 2026-01-31 or
                        2026-01-31T09:00:00Z)
      --json            Print them as a JSON array instead

${CONNECTION}

Examples:
  goodtake generations
  goodtake generations --limit 200 --since 2026-01-01
  goodtake generations --json | jq '[.[].credits_charged] | add'
  goodtake generations get gen_0mx55sb450008XKDQbNYu
  goodtake generations watch gen_0mx55sb450008XKDQbNYu --out ./renders
`,

  login: `Usage: goodtake login --key KEY [--base-url URL]

Checks the key against the API and saves it (and --base-url, when given) to
$GOODTAKE_CONFIG or \${XDG_CONFIG_HOME:-~/.config}/goodtake/config.json, readable by you
only (mode 0600). Flags and environment variables still take precedence over the file.

Options:
  -k, --key KEY         The API key (gt_...)
      --base-url URL    The API base URL to save with it, e.g. http://localhost:8080
      --no-verify       Save without checking the key against the API
  -h, --help            Show this help

Examples:
  goodtake login --key gt_0123456789abcdefghijklmnopqrstuv
  goodtake login --key gt_... --base-url https://images.example.com
`,

  logout: `Usage: goodtake logout

Deletes the file 'goodtake login' wrote. Keys in the environment are not affected.

Examples:
  goodtake logout
`,
} as const;

export type CommandName = Exclude<keyof typeof HELP, 'help'>;
