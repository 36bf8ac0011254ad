// The seller's chat page: gets (or resumes) a Direct Line conversation from the bot's built-in
// endpoint and renders Microsoft's Web Chat on it. Plain browser JavaScript, no build step.
(function () {
  'use strict';

  var root = document.getElementById('app');
  var mount = document.getElementById('webchat');
  var config = JSON.parse(root.getAttribute('data-config'));
  var params = new URLSearchParams(window.location.search);
  var STORAGE_KEY = 'sellerSupport.webchat.v1';
  var API = window.location.origin + '/v3/directline';

  function loadSession() {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || 'null');
      return value && typeof value.conversationId === 'string' && typeof value.token === 'string' ? value : null;
    } catch (e) {
      return null;
    }
  }

  function saveSession(value) {
    try {
      if (value) window.localStorage.setItem(STORAGE_KEY, JSON.stringify(value));
      else window.localStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      // private mode: the conversation just does not survive a reload
    }
  }

  var session = loadSession();
  var requested = params.get('lang');
  var lang = requested === 'en' || requested === 'ko' ? requested : (session && session.lang) || config.lang;
  var text = config.text[lang];

  document.documentElement.lang = lang;
  document.title = text.title;
  document.getElementById('app-title').textContent = text.title;
  document.getElementById('app-subtitle').textContent = text.subtitle;
  var newChat = document.getElementById('new-chat');
  newChat.textContent = text.newChat;
  newChat.title = text.newChatLabel;
  newChat.setAttribute('aria-label', text.newChatLabel);
  // The agent must hear that the seller left: 새 상담 ends the old conversation at once; closing the page
  // says it may be gone, and the bot takes it as left unless the page comes back (a reload does) in time.
  function tellBot(old, activity) {
    return window.fetch(API + '/conversations/' + encodeURIComponent(old.conversationId) + '/activities', {
      method: 'POST',
      keepalive: true,
      headers: { Authorization: 'Bearer ' + old.token, 'Content-Type': 'application/json' },
      body: JSON.stringify(activity),
    });
  }
  newChat.addEventListener('click', function () {
    var old = session;
    session = null; // also stops the token keeper below from writing the old conversation back
    saveSession(null);
    var told = old ? tellBot(old, { type: 'endOfConversation', code: 'userCancelled' }).catch(function () {}) : Promise.resolve();
    var waited = new Promise(function (resolve) {
      window.setTimeout(resolve, 1500);
    });
    Promise.race([told, waited]).then(function () {
      window.location.reload();
    });
  });
  window.addEventListener('pagehide', function (event) {
    if (event.persisted || !session) return;
    tellBot(session, { type: 'event', name: 'webchat/leaving' }).catch(function () {});
  });

  var MESSAGES = {
    ko: {
      busy: '새 상담이 너무 많이 열렸어요. 잠시 후 다시 시도해 주세요.',
      failed: '상담 창을 열지 못했어요. 네트워크를 확인하고 다시 시도해 주세요.',
      retry: '다시 시도',
      placeholder: '궁금한 점을 입력하세요',
      agent: '상담사',
      said: function (who) {
        return who + '의 말:';
      },
      bot: '챗봇',
      options: '선택지',
    },
    en: {
      busy: 'Too many new chats were opened. Please try again in a moment.',
      failed: 'The chat could not be opened. Check your connection and try again.',
      retry: 'Try again',
      placeholder: 'Type your question',
      agent: 'Agent',
      said: function (who) {
        return who + ' said:';
      },
      bot: 'The bot',
      options: 'Options',
    },
  }[lang];

  function showProblem(message) {
    mount.setAttribute('aria-busy', 'false');
    mount.textContent = '';
    var box = document.createElement('div');
    box.className = 'app__problem';
    box.setAttribute('role', 'alert');
    var p = document.createElement('p');
    p.textContent = message;
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = MESSAGES.retry;
    button.addEventListener('click', function () {
      window.location.reload();
    });
    box.appendChild(p);
    box.appendChild(button);
    mount.appendChild(box);
  }

  function call(path, token, body) {
    var headers = { Accept: 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body) headers['Content-Type'] = 'application/json';
    return window.fetch(API + path, { method: 'POST', headers: headers, body: body ? JSON.stringify(body) : undefined });
  }

  /** Resumes the stored conversation (a fresh token for it), or opens a new one. */
  function obtainConversation() {
    var resume = session
      ? call('/tokens/refresh', session.token).then(function (res) {
          if (res.ok) {
            return res.json().then(function (data) {
              session.token = data.token;
              saveSession(session);
              return true;
            });
          }
          // 403: the token expired while the page was closed; 404: the conversation is gone.
          if (res.status === 403 || res.status === 404) return false;
          throw new Error('refresh failed: ' + res.status);
        })
      : Promise.resolve(false);
    return resume.then(function (resumed) {
      if (resumed) return true;
      return call('/tokens/generate', null, { locale: lang === 'en' ? 'en-US' : 'ko-KR' }).then(function (res) {
        if (res.status === 429) throw Object.assign(new Error('busy'), { busy: true });
        if (!res.ok) throw new Error('generate failed: ' + res.status);
        return res.json().then(function (data) {
          session = { conversationId: data.conversationId, token: data.token, lang: lang };
          saveSession(session);
          return false;
        });
      });
    });
  }

  // --- agents: their messages carry their name in from.name (the bot's own replies carry the bot's) ---

  var h = window.React.createElement;

  function agentName(activity) {
    if (!activity || activity.type !== 'message') return null;
    var from = activity.from || {};
    if (from.role === 'user') return null;
    var name = typeof from.name === 'string' ? from.name.trim() : '';
    if (!name || name === config.botName) return null;
    return name;
  }

  function agentLabel(name) {
    return name.toLowerCase().indexOf(MESSAGES.agent.toLowerCase()) >= 0 ? name : MESSAGES.agent + ' ' + name;
  }

  function agentInitials(name) {
    var bare = name.replace(/^\s*(상담사|agent)\s*/i, '').trim() || name;
    return Array.from(bare).slice(0, 2).join('');
  }

  var activityMiddleware = function () {
    return function (next) {
      return function () {
        var activity = arguments[0] && arguments[0].activity;
        // The page's own 새 상담 (endOfConversation) can come back in the last poll before the reload:
        // nothing to show, and Web Chat has no renderer for it (it would throw).
        if (activity && activity.type === 'endOfConversation') return false;
        var render = next.apply(null, arguments);
        var name = agentName(activity);
        if (!render || !name) return render;
        return function () {
          return h(
            'div',
            { className: 'agent-activity', 'data-agent-name': name },
            h('div', { className: 'agent-activity__name' }, agentLabel(name)),
            render.apply(null, arguments),
          );
        };
      };
    };
  };

  var avatarMiddleware = function () {
    return function (next) {
      return function (args) {
        var name = args && !args.fromUser && agentName(args.activity);
        if (!name) return next(args);
        return function () {
          return h('div', { className: 'agent-avatar', 'aria-hidden': 'true' }, agentInitials(name));
        };
      };
    };
  };

  // Screen readers hear who is speaking: Web Chat's "봇 센터의 말" would make agents sound like the bot,
  // so that greeting is blanked (overrideLocalizedStrings below; an empty string falls back to English)
  // and each message carries its own speaker ("상담사 민지의 말: …") in Web Chat's fallback text, which
  // only assistive technology reads. Bot messages with cards keep Web Chat's narration of the card.
  function narration(activity, name, text) {
    var who = name ? agentLabel(name) : MESSAGES.bot;
    var options = ((activity.suggestedActions && activity.suggestedActions.actions) || [])
      .map(function (a) {
        return a && (a.title || a.value);
      })
      .filter(function (t) {
        return typeof t === 'string' && t;
      });
    return MESSAGES.said(who) + ' ' + text + (options.length ? '\n' + MESSAGES.options + ': ' + options.join(', ') : '');
  }

  // The hub starts agents' messages with "[상담사 민지]" for channels that show no names; this page
  // shows the name above the message, so the prefix goes.
  var store = window.WebChat.createStore({}, function () {
    return function (next) {
      return function (action) {
        var activity = action && action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && action.payload && action.payload.activity;
        if (!activity || activity.type !== 'message' || (activity.from && activity.from.role === 'user')) return next(action);
        var name = agentName(activity);
        var text = typeof activity.text === 'string' ? activity.text : '';
        if (name) {
          var prefix = /^\[([^\]\n]{1,60})\]\s*/.exec(text);
          if (prefix && prefix[1].indexOf(name) >= 0) text = text.slice(prefix[0].length);
        }
        var changed = Object.assign({}, activity);
        if (name && text !== activity.text) changed.text = text;
        if (!(activity.attachments && activity.attachments.length)) {
          changed.channelData = Object.assign({}, activity.channelData, { 'webchat:fallback-text': narration(activity, name, text) });
        }
        return next(Object.assign({}, action, { payload: Object.assign({}, action.payload, { activity: changed }) }));
      };
    };
  });

  // Agents write through the bot's account, so Web Chat would put their messages in the bot's group
  // (one avatar for both): split the sender groups where the author changes.
  var groupActivitiesMiddleware = function () {
    return function (next) {
      return function (args) {
        var groups = next(args);
        if (!groups || !Array.isArray(groups.sender)) return groups;
        var sender = [];
        groups.sender.forEach(function (group) {
          var current = [];
          var author = null;
          group.forEach(function (activity) {
            var name = activity.type === 'message' ? agentName(activity) || '' : author;
            if (current.length && name !== author) {
              sender.push(current);
              current = [];
            }
            current.push(activity);
            author = name;
          });
          if (current.length) sender.push(current);
        });
        return Object.assign({}, groups, { sender: sender });
      };
    };
  };

  var styleOptions = {
    accent: '#03c75a',
    backgroundColor: '#f5f6f8',
    primaryFont: "'Noto Sans KR', 'Noto Sans CJK KR', 'Apple SD Gothic Neo', 'Malgun Gothic', system-ui, -apple-system, sans-serif",
    botAvatarInitials: lang === 'en' ? 'CS' : '센터',
    botAvatarBackgroundColor: '#03c75a',
    avatarSize: 36,
    bubbleBackground: '#ffffff',
    bubbleBorderColor: '#e3e6ea',
    bubbleBorderRadius: 14,
    bubbleBorderWidth: 1,
    bubbleFromUserBackground: '#03c75a',
    bubbleFromUserBorderColor: '#03c75a',
    bubbleFromUserBorderRadius: 14,
    bubbleFromUserTextColor: '#ffffff',
    bubbleMaxWidth: 520,
    bubbleMinHeight: 36,
    sendBoxHeight: 48,
    hideUploadButton: false,
    uploadAccept: 'image/png,image/jpeg,image/gif,image/webp,application/pdf',
    uploadMultiple: true,
    sendAttachmentOn: 'attach',
    suggestedActionLayout: 'flow',
    suggestedActionBackgroundColor: '#ffffff',
    suggestedActionBorderColor: '#03c75a',
    suggestedActionBorderRadius: 18,
    suggestedActionBorderWidth: 1,
    suggestedActionTextColor: '#029a46',
    suggestedActionHeight: 36,
    typingAnimationDuration: 5000,
    groupTimestamp: 60000,
    sendTimeout: 20000,
  };

  obtainConversation()
    .then(function (resumed) {
      var options = { domain: API, token: session.token, webSocket: false, pollingInterval: 500 };
      // Resuming: directlinejs reconnects (GET /conversations/:id) and reads the whole list from the
      // start, so the history shows again. New: it starts the conversation (POST /conversations).
      if (resumed) options.conversationId = session.conversationId;
      else options.conversationStartProperties = { locale: lang === 'en' ? 'en-US' : 'ko-KR' };
      var directLine = window.WebChat.createDirectLine(options);

      // directlinejs refreshes the token while the page is open; keep the newest for the next visit.
      var remember = function () {
        if (directLine.token && session && directLine.token !== session.token) {
          session.token = directLine.token;
          saveSession(session);
        }
      };
      window.setInterval(remember, 5000);
      window.addEventListener('pagehide', remember);

      mount.textContent = '';
      mount.setAttribute('aria-busy', 'false');
      window.WebChat.renderWebChat(
        {
          directLine: directLine,
          store: store,
          locale: lang === 'en' ? 'en-US' : 'ko-KR',
          styleOptions: styleOptions,
          activityMiddleware: activityMiddleware,
          avatarMiddleware: avatarMiddleware,
          groupActivitiesMiddleware: groupActivitiesMiddleware,
          overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: MESSAGES.placeholder, ACTIVITY_BOT_SAID_ALT: ' ' },
        },
        mount,
      );
      window.sellerChat = { conversationId: session.conversationId, directLine: directLine, resumed: resumed };
    })
    .catch(function (error) {
      showProblem(error && error.busy ? MESSAGES.busy : MESSAGES.failed);
    });
})();
