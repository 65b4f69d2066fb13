import { Component, onWillStart, toRaw, useRef, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { getFieldContext, useRecordObserver } from "@web/model/relational_model/utils";
import { standardFieldProps } from "@web/views/fields/standard_field_props";
import { FormViewDialog } from "@web/views/view_dialogs/form_view_dialog";
import { ENTRY_ID, fitZoom, layoutJourney, passedCount, stepPerformance } from "./journey_diagram";

const STEP_MODEL = "marketing.workflow.step";
const STEP_FORM_VIEW = "marketing_automation_ext.marketing_workflow_step_view_form";
const STEP_FIELDS = [
    "name",
    "sequence",
    "parent_id",
    "condition",
    "window_amount",
    "window_unit",
    "wait_amount",
    "wait_unit",
    "wait_send_time",
    "best_time",
    "best_time_within_amount",
    "best_time_within_unit",
    "split_percent",
    "action_type",
    "mailing_id",
    "count_scheduled",
    "count_waiting",
    "count_sending",
    "count_processed",
    "count_rejected",
    "count_canceled",
    "count_error",
    "count_sent",
    "count_opened",
    "count_clicked",
    "count_replied",
    "count_bounced",
    "rejection_summary",
];
// "1 days" reads wrong: one of each unit has its own words
const ONE_UNIT = {
    minutes: _t("1 minute"),
    hours: _t("1 hour"),
    days: _t("1 day"),
    weeks: _t("1 week"),
    months: _t("1 month"),
};
// conditions that wait for a reaction on the parent's message until a window closes
const POSITIVE = ["opened", "clicked", "replied", "bounced", "sms_clicked"];
// conditions that fire when the window closes without the reaction
const NEGATIVE = ["not_opened", "not_clicked", "not_replied", "sms_not_clicked"];
const MESSAGE_ACTIONS = ["email", "sms", "best_channel"];
// the actions that send an email (opens counted)
const EMAIL_ACTIONS = ["email", "best_channel"];
const ACTION_ICONS = {
    email: "fa-envelope",
    sms: "fa-mobile",
    best_channel: "fa-compass",
    activity: "fa-tasks",
    assign: "fa-user",
    create_lead: "fa-star",
    tag_add: "fa-tag",
    tag_remove: "fa-tag",
    segment_add: "fa-users",
    segment_remove: "fa-users",
    write: "fa-pencil",
    server_action: "fa-cogs",
    notify: "fa-bell",
    webhook: "fa-plug",
    wait: "fa-hourglass-half",
    exit: "fa-sign-out",
};

const ZOOM_STEPS = [0.25, 0.35, 0.5, 0.65, 0.8, 1, 1.25];
// zoomed out further, names are unreadable: the first view stops here, the buttons go on
const MIN_AUTO_ZOOM = 0.5;

/**
 * The steps of a journey as a diagram: one box per step (what it does, its figures, coloured
 * by how it performs), joined to its parent by an edge labelled with its condition and how
 * many participants went down it. The layout is computed by layoutJourney (journey_diagram.js).
 * Clicking a box opens the step; "+" under it adds a step after it.
 * The steps are read from the database (the widget saves the journey before any
 * change), edited in dialogs, and read again after each save or reload.
 */
export class MarketingWorkflowTree extends Component {
    static template = "marketing_automation_ext.WorkflowTree";
    static props = { ...standardFieldProps };

    setup() {
        this.orm = useService("orm");
        this.dialog = useService("dialog");
        this.keepLast = new KeepLast();
        this.state = useState({ steps: [], loaded: false, zoom: 1 });
        this.viewport = useRef("viewport");
        this.zoomChosen = false;
        this.labels = {
            condition: {},
            action_type: {},
            window_unit: {},
            wait_unit: {},
            best_time_within_unit: {},
        };
        this.lastResId = undefined;
        this.lastList = undefined;

        onWillStart(async () => {
            const fields = await this.orm.call(STEP_MODEL, "fields_get", [Object.keys(this.labels)], {
                attributes: ["selection"],
            });
            for (const [name, field] of Object.entries(fields)) {
                this.labels[name] = Object.fromEntries(field.selection || []);
            }
        });
        // the record is loaded again (save, button, form reload): read the steps again
        useRecordObserver(async (record) => {
            const resId = record.resId;
            const list = toRaw(record.data[this.props.name]);
            if (resId === this.lastResId && list === this.lastList) {
                return;
            }
            this.lastResId = resId;
            this.lastList = list;
            await this.loadSteps(resId);
        });
    }

    // ------------------------------------------------------------------
    // Data
    // ------------------------------------------------------------------

    async loadSteps(resId = this.props.record.resId) {
        const steps = resId
            ? await this.keepLast.add(
                  this.orm.searchRead(STEP_MODEL, [["workflow_id", "=", resId]], STEP_FIELDS)
              )
            : await this.keepLast.add(Promise.resolve([]));
        this.state.steps = steps;
        this.state.loaded = true;
        if (!this.zoomChosen) {
            const available = this.viewport.el ? this.viewport.el.clientWidth : 0;
            this.state.zoom = Math.max(MIN_AUTO_ZOOM, fitZoom(layoutJourney(steps).width, available));
        }
    }

    /** Steps and journey figures after a change made in a dialog. */
    async refresh() {
        await this.loadSteps();
        await this.props.record.load();
        this.lastResId = this.props.record.resId;
        this.lastList = toRaw(this.props.record.data[this.props.name]);
    }

    /** Boxes, edges and size of the diagram, with each step's labels and colour. */
    get diagram() {
        const layout = layoutJourney(this.state.steps);
        const byId = Object.fromEntries(this.state.steps.map((step) => [step.id, step]));
        const boxes = layout.order
            .filter((id) => id !== ENTRY_ID)
            .map((id) => ({ ...layout.nodes[id], step: byId[id], performance: stepPerformance(byId[id]) }));
        const edges = layout.edges.map((edge) => {
            const step = byId[edge.to];
            const passed = passedCount(step);
            return {
                ...edge,
                step,
                passed,
                condition: this.conditionLabel(step),
                // thicker as more people go down it, by orders of magnitude
                strokeWidth: 1.5 + Math.min(4, Math.log10(1 + passed)),
            };
        });
        return { boxes, edges, entry: layout.nodes[ENTRY_ID], width: layout.width, height: layout.height };
    }

    passedTitle(count) {
        return _t("%s participants went down this branch", count);
    }

    get entryCount() {
        return this.props.record.data.participant_count || 0;
    }

    zoomIn() {
        this.zoomChosen = true;
        this.state.zoom = ZOOM_STEPS.find((zoom) => zoom > this.state.zoom + 0.001) || this.state.zoom;
    }

    zoomOut() {
        this.zoomChosen = true;
        this.state.zoom = [...ZOOM_STEPS].reverse().find((zoom) => zoom < this.state.zoom - 0.001) || this.state.zoom;
    }

    zoomFit() {
        this.zoomChosen = true;
        const available = this.viewport.el ? this.viewport.el.clientWidth : 0;
        this.state.zoom = fitZoom(layoutJourney(this.state.steps).width, available);
    }

    get isReadonly() {
        return this.props.readonly;
    }

    // ------------------------------------------------------------------
    // Labels
    // ------------------------------------------------------------------

    unitLabel(fieldName, unit, amount) {
        if (amount === 1 && ONE_UNIT[unit]) {
            return `${ONE_UNIT[unit]}`;
        }
        const label = (this.labels[fieldName][unit] || unit || "").toLowerCase();
        return `${amount} ${label}`;
    }

    conditionLabel(step) {
        const label = this.labels.condition[step.condition] || step.condition;
        if (step.condition === "after") {
            return step.parent_id ? label : _t("When they enter");
        }
        if (step.condition === "split") {
            return `${label} (${step.split_percent}%)`;
        }
        const window = this.unitLabel("window_unit", step.window_unit, step.window_amount);
        if (NEGATIVE.includes(step.condition)) {
            return `${label} ${window}`;
        }
        if (POSITIVE.includes(step.condition)) {
            return _t("%(condition)s (within %(window)s)", { condition: label, window });
        }
        return label;
    }

    conditionIcon(step) {
        if (NEGATIVE.includes(step.condition)) {
            return "fa-clock-o";
        }
        if (POSITIVE.includes(step.condition)) {
            return "fa-bolt";
        }
        if (["branch_true", "branch_false"].includes(step.condition)) {
            return step.condition === "branch_true" ? "fa-check-circle" : "fa-times-circle";
        }
        if (step.condition === "split") {
            return "fa-random";
        }
        return "fa-level-down";
    }

    waitLabel(step) {
        const bestTime = step.best_time && ["email", "sms"].includes(step.action_type);
        if (!step.wait_amount && !step.wait_send_time && !bestTime) {
            return "";
        }
        const parts = [];
        if (step.wait_amount) {
            parts.push(
                _t("then wait %s", this.unitLabel("wait_unit", step.wait_unit, step.wait_amount))
            );
        }
        if (step.wait_send_time) {
            parts.push(_t("at the next allowed send time"));
        }
        if (bestTime) {
            const within = this.unitLabel(
                "best_time_within_unit",
                step.best_time_within_unit,
                step.best_time_within_amount
            );
            parts.push(_t("at each contact's best time within %s", within));
        }
        return parts.join(", ");
    }

    actionLabel(step) {
        const label = this.labels.action_type[step.action_type] || step.action_type;
        if (MESSAGE_ACTIONS.includes(step.action_type) && step.mailing_id) {
            return `${label}: ${step.mailing_id[1]}`;
        }
        return label;
    }

    actionIcon(step) {
        return ACTION_ICONS[step.action_type] || "fa-cog";
    }

    figures(step) {
        const isMessage = MESSAGE_ACTIONS.includes(step.action_type);
        const isEmail = EMAIL_ACTIONS.includes(step.action_type);
        const figures = [
            { name: "scheduled", label: _t("scheduled"), value: step.count_scheduled, show: true },
            { name: "waiting", label: _t("waiting"), value: step.count_waiting },
            { name: "sending", label: _t("sending"), value: step.count_sending },
            { name: "done", label: _t("done"), value: step.count_processed, show: true },
            { name: "sent", label: _t("sent"), value: step.count_sent, show: isMessage },
            { name: "opened", label: _t("opened"), value: step.count_opened, show: isEmail },
            { name: "clicked", label: _t("clicked"), value: step.count_clicked, show: isMessage },
            { name: "replied", label: _t("replied"), value: step.count_replied },
            { name: "bounced", label: _t("bounced"), value: step.count_bounced, css: "text-danger" },
            {
                name: "rejected",
                label: _t("rejected"),
                value: step.count_rejected,
                css: "text-warning",
                title: step.rejection_summary || "",
            },
            { name: "canceled", label: _t("cancelled"), value: step.count_canceled },
            { name: "failed", label: _t("failed"), value: step.count_error, css: "text-danger" },
        ];
        return figures.filter((figure) => figure.value || figure.show);
    }

    // ------------------------------------------------------------------
    // Actions
    // ------------------------------------------------------------------

    /** Steps need their journey in the database: save it first. */
    async saveJourney() {
        const saved = await this.props.record.save();
        return saved && this.props.record.resId;
    }

    dialogContext(extra = {}) {
        const record = this.props.record;
        return {
            ...getFieldContext(record, this.props.name),
            form_view_ref: STEP_FORM_VIEW,
            default_workflow_id: record.resId,
            ...extra,
        };
    }

    openStepDialog({ resId = false, title, context = {} }) {
        this.dialog.add(FormViewDialog, {
            resModel: STEP_MODEL,
            resId,
            title,
            context: this.dialogContext(context),
            mode: this.isReadonly ? "readonly" : "edit",
            preventCreate: !!resId,
            preventEdit: this.isReadonly,
            onRecordSaved: () => this.refresh(),
        });
    }

    async onAddRoot() {
        if (!(await this.saveJourney())) {
            return;
        }
        this.openStepDialog({ title: _t("New step") });
    }

    async onAddChild(step) {
        if (!(await this.saveJourney())) {
            return;
        }
        this.openStepDialog({
            title: _t("New step after %s", step.name),
            context: { default_parent_id: step.id },
        });
    }

    async onEdit(step) {
        if (!this.isReadonly && !(await this.saveJourney())) {
            return;
        }
        this.openStepDialog({ resId: step.id, title: step.name });
    }

    onDelete(step) {
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete a step"),
            body: _t("Delete %s and every step after it?", step.name),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            confirm: async () => {
                if (!(await this.saveJourney())) {
                    return;
                }
                await this.orm.unlink(STEP_MODEL, [step.id]);
                await this.refresh();
            },
            cancel: () => {},
        });
    }
}

export const marketingWorkflowTree = {
    component: MarketingWorkflowTree,
    displayName: _t("Journey Tree"),
    supportedTypes: ["one2many"],
    relatedFields: [{ name: "display_name", type: "char" }],
    isEmpty: () => false,
};

registry.category("fields").add("marketing_workflow_tree", marketingWorkflowTree);
