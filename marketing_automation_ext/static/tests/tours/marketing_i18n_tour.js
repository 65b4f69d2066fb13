import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const JOURNEY = "I18n tour journey";

/** A user whose language is Japanese: menus, list, form, the step tree widget and a wizard. */
registry.category("web_tour.tours").add("marketing_automation_ext_japanese_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "The app is named in Japanese on the home menu",
            trigger:
                '.o_app[data-menu-xmlid="marketing_automation_ext.marketing_automation_menu_root"]:contains("マーケティングオートメーション")',
            run: "click",
        },
        {
            content: "Open Journeys from the menu, in Japanese",
            trigger: '.o_menu_sections [data-menu-xmlid="marketing_automation_ext.marketing_workflow_menu"]:contains("ジャーニー")',
            run: "click",
        },
        {
            content: "The breadcrumb names the journeys in Japanese",
            trigger: ".o_breadcrumb .active:contains('ジャーニー')",
        },
        {
            content: "List columns are in Japanese",
            trigger: ".o_list_view th[data-name='trigger']:contains('トリガー')",
        },
        {
            content: "List column: participants",
            trigger: ".o_list_view th[data-name='participant_count']:contains('参加者')",
        },
        {
            content: "The journey's state and trigger are in Japanese",
            trigger: `.o_data_row:contains('${JOURNEY}'):contains('ドラフト'):contains('手動またはAPIで登録')`,
        },
        {
            content: "Open the journey",
            trigger: `.o_data_row td[name='name']:contains('${JOURNEY}')`,
            run: "click",
        },
        {
            content: "The draft banner is in Japanese",
            trigger: ".o_ma_banner:contains('ドラフト：まだ誰も登録されていません')",
        },
        {
            content: "The journey diagram (JavaScript): when the step runs, on its edge",
            trigger: ".o_ma_edge_label .o_ma_step_condition:contains('参加したとき')",
        },
        {
            content: "The step tree: what the step does",
            trigger: ".o_ma_step_card:contains('I18n tour call') .o_ma_step_action:contains('活動を予定')",
        },
        {
            content: "The step tree: its figures",
            trigger: ".o_ma_step_card:contains('I18n tour call') .o_ma_step_figure_scheduled:contains('予定')",
        },
        {
            content: "The step tree's template: its buttons",
            trigger: ".o_ma_add_root:contains('ステップを追加')",
        },
        {
            content: "Test the journey",
            trigger: ".o_form_view .o_statusbar_buttons button[name='action_test']:contains('テスト')",
            run: "click",
        },
        {
            content: "The wizard's title (from Python) and text are in Japanese",
            trigger: `.modal .modal-title:contains('${JOURNEY} をテスト')`,
        },
        {
            content: "The wizard explains the test run in Japanese",
            trigger: ".modal:contains('ドラフトの状態でも、このレコードだけを対象にジャーニーを実行します')",
        },
        {
            content: "Close the wizard",
            trigger: ".modal .modal-footer button:contains('キャンセル')",
            run: "click",
        },
        {
            content: "The wizard is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
