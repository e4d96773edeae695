// Plain <script type="module">: the page itself, no worker (import maps do not reach workers).
import { readParams, roundTrip, show } from "./roundtrip.js";

roundTrip(readParams(location.search)).then((page) => show({ page, worker: null }));
