import { Component, onWillStart, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { loadBundle } from "@web/core/assets";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/views/fields/formatters";
import { useService } from "@web/core/utils/hooks";

const DASHBOARD_MODEL = "marketing.dashboard";
const GRADE_COLOURS = { hot: "#dc3545", warm: "#fd7e14", cold: "#adb5bd" };
const SERIES_COLOURS = ["#714B67", "#017e84", "#e9a03b", "#5b8dd6", "#c44f7a", "#6aa84f", "#8e7cc3", "#999999"];

/**
 * The marketing dashboard: journeys and their conversions, a funnel per journey, revenue
 * attributed to journeys and mailings, the quarter against the previous one, grades over time,
 * segment growth and when people engage. Every figure comes from one call
 * (marketing.dashboard.get_dashboard_data) and opens the records behind it
 * (marketing.dashboard.action_open_figure).
 */
export class MarketingDashboard extends Component {
    static template = "marketing_automation_ext.Dashboard";
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({
            data: null,
            filters: { date_from: "", date_to: "", workflow_ids: [], segment_id: false, user_id: false, attribution: "linear" },
            funnelJourneyId: false,
            options: { journeys: [], segments: [], users: [] },
        });
        this.gradesCanvas = useRef("grades");
        this.segmentsCanvas = useRef("segments");
        this.revenueCanvas = useRef("revenue");
        this.charts = [];
        this.attributionModels = [
            ["first_touch", _t("First touch")],
            ["last_touch", _t("Last touch")],
            ["linear", _t("Linear")],
        ];
        this.stageLabels = {
            reached: _t("Reached"),
            sent: _t("Sent"),
            delivered: _t("Delivered"),
            opened: _t("Opened"),
            clicked: _t("Clicked"),
            replied: _t("Replied"),
            converted: _t("Converted"),
        };
        this.days = [_t("Mon"), _t("Tue"), _t("Wed"), _t("Thu"), _t("Fri"), _t("Sat"), _t("Sun")];
        this.hours = [...Array(24).keys()];

        onWillStart(async () => {
            const [journeys, segments, users] = await Promise.all([
                this.orm.searchRead("marketing.workflow", [], ["name"], { context: { active_test: false } }),
                this.orm.searchRead("marketing.segment", [], ["name"]),
                this.orm.searchRead("res.users", [["share", "=", false]], ["name"]),
                loadBundle("web.chartjs_lib"),
            ]);
            this.state.options = { journeys, segments, users };
            await this.load();
        });
        useEffect(
            () => {
                this.renderCharts();
            },
            () => [this.state.data]
        );
        onWillUnmount(() => this.destroyCharts());
    }

    // ------------------------------------------------------------------
    // Data
    // ------------------------------------------------------------------

    async load() {
        const data = await this.orm.call(DASHBOARD_MODEL, "get_dashboard_data", [this.state.filters]);
        // the server resolved the defaults (the last 90 days)
        Object.assign(this.state.filters, data.filters);
        if (!data.journeys.some((journey) => journey.id === this.state.funnelJourneyId)) {
            this.state.funnelJourneyId = data.journeys.length ? data.journeys[0].id : false;
        }
        this.state.data = data;
    }

    async onFilterChange(name, value) {
        if (name === "workflow_ids") {
            value = value ? [parseInt(value)] : [];
        } else if (name === "segment_id" || name === "user_id") {
            value = value ? parseInt(value) : false;
        }
        this.state.filters[name] = value;
        await this.load();
    }

    // ------------------------------------------------------------------
    // Formatting
    // ------------------------------------------------------------------

    money(value) {
        const currency = this.state.data.currency;
        const amount = formatFloat(value || 0, { digits: [false, currency.digits] });
        return currency.position === "before" ? `${currency.symbol} ${amount}` : `${amount} ${currency.symbol}`;
    }

    percent(value) {
        return value === null || value === undefined ? "–" : `${formatFloat(value, { digits: [false, 1] })}%`;
    }

    get hasJourneyMoney() {
        return this.state.data.journeys.some((journey) => journey.revenue || journey.cost);
    }

    get wonSummary() {
        const revenue = this.state.data.revenue;
        if (revenue.order_count) {
            return _t(
                "%(count)s won leads worth %(revenue)s and %(orders)s confirmed orders worth %(order_revenue)s, of which %(unattributed)s without any touch",
                {
                    count: revenue.won_count,
                    revenue: this.money(revenue.won_revenue),
                    orders: revenue.order_count,
                    order_revenue: this.money(revenue.order_revenue),
                    unattributed: this.money(revenue.unattributed),
                }
            );
        }
        return _t("%(count)s won leads worth %(revenue)s, of which %(unattributed)s without any touch", {
            count: revenue.won_count,
            revenue: this.money(revenue.won_revenue),
            unattributed: this.money(revenue.unattributed),
        });
    }

    get funnel() {
        const funnels = this.state.data.funnels;
        return funnels[this.state.funnelJourneyId] || [];
    }

    sparkline(trend) {
        const max = Math.max(1, ...trend);
        const step = trend.length > 1 ? 100 / (trend.length - 1) : 100;
        return trend.map((value, index) => `${(index * step).toFixed(1)},${(28 - (26 * value) / max).toFixed(1)}`).join(" ");
    }

    heatColour(count) {
        const max = Math.max(1, ...this.state.data.heatmap.flat());
        const alpha = count ? 0.12 + (0.88 * count) / max : 0;
        return `background-color: rgba(113, 75, 103, ${alpha.toFixed(2)}); color: ${alpha > 0.55 ? "#fff" : "inherit"};`;
    }

    quarterDelta(name) {
        const [previous, current] = this.state.data.quarters;
        const before = previous[name] || 0;
        const now = current[name] || 0;
        if (!before) {
            return now ? "+∞" : "–";
        }
        const delta = (100 * (now - before)) / Math.abs(before);
        return `${delta >= 0 ? "+" : ""}${formatFloat(delta, { digits: [false, 1] })}%`;
    }

    // ------------------------------------------------------------------
    // Click-through
    // ------------------------------------------------------------------

    async open(figure, key = {}) {
        const action = await this.orm.call(DASHBOARD_MODEL, "action_open_figure", [figure, key, this.state.filters]);
        await this.actionService.doAction(action);
    }

    // ------------------------------------------------------------------
    // Charts (Chart.js, the library Odoo's graph view loads)
    // ------------------------------------------------------------------

    destroyCharts() {
        for (const chart of this.charts) {
            chart.destroy();
        }
        this.charts = [];
    }

    renderCharts() {
        const data = this.state.data;
        if (!data || !window.Chart) {
            return;
        }
        this.destroyCharts();
        const Chart = window.Chart;
        const base = { responsive: true, maintainAspectRatio: false, animation: false };
        if (this.gradesCanvas.el) {
            const grades = ["hot", "warm", "cold"];
            const labels = { hot: _t("Hot"), warm: _t("Warm"), cold: _t("Cold") };
            this.charts.push(
                new Chart(this.gradesCanvas.el, {
                    type: "bar",
                    data: {
                        labels: data.weeks,
                        datasets: grades.map((grade) => ({
                            label: labels[grade],
                            data: data.grades[grade],
                            backgroundColor: GRADE_COLOURS[grade],
                            grade,
                        })),
                    },
                    options: {
                        ...base,
                        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
                        onClick: (event, elements) => {
                            if (elements.length) {
                                const { datasetIndex, index } = elements[0];
                                this.open("grade", { grade: grades[datasetIndex], week: data.weeks[index] });
                            }
                        },
                    },
                })
            );
        }
        if (this.segmentsCanvas.el) {
            const days = [...new Set(data.segments.flatMap((s) => s.points.map((p) => p[0])))].sort();
            this.charts.push(
                new Chart(this.segmentsCanvas.el, {
                    type: "line",
                    data: {
                        labels: days,
                        datasets: data.segments.map((segment, index) => {
                            const byDay = Object.fromEntries(segment.points);
                            return {
                                label: segment.name,
                                data: days.map((day) => (day in byDay ? byDay[day] : null)),
                                borderColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
                                backgroundColor: SERIES_COLOURS[index % SERIES_COLOURS.length],
                                spanGaps: true,
                                tension: 0.2,
                            };
                        }),
                    },
                    options: {
                        ...base,
                        scales: { y: { beginAtZero: true } },
                        onClick: (event, elements) => {
                            if (elements.length) {
                                const { datasetIndex, index } = elements[0];
                                this.open("segment", { segment_id: data.segments[datasetIndex].id, date: days[index] });
                            }
                        },
                    },
                })
            );
        }
        if (this.revenueCanvas.el) {
            const journeys = data.journeys.filter((journey) => journey.revenue || journey.cost);
            this.charts.push(
                new Chart(this.revenueCanvas.el, {
                    type: "bar",
                    data: {
                        labels: journeys.map((journey) => journey.name),
                        datasets: [
                            { label: _t("Attributed revenue"), data: journeys.map((j) => j.revenue), backgroundColor: "#017e84" },
                            { label: _t("Cost"), data: journeys.map((j) => j.cost), backgroundColor: "#e9a03b" },
                        ],
                    },
                    options: {
                        ...base,
                        indexAxis: "y",
                        onClick: (event, elements) => {
                            if (elements.length) {
                                this.open("revenue", { workflow_id: journeys[elements[0].index].id });
                            }
                        },
                    },
                })
            );
        }
    }
}

registry.category("actions").add("marketing_automation_ext.dashboard", MarketingDashboard);
